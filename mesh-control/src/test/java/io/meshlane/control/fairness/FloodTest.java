package io.meshlane.control.fairness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** One user's flood is answered with 429 and Retry-After; another user is served meanwhile; the admin is exempt. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class FloodTest {
    private static final String PATH = "/api/v1/namespaces/default";

    private Path dataDir;
    private ControlPlane plane;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-flood");
        Files.writeString(dataDir.resolve("access.yaml"), """
                tokens:
                - {token: flood-token, user: flood}
                - {token: calm-token, user: calm}
                - {token: steady-token, user: steady}
                limits:
                  default: {requestsPerSecond: 50, burst: 50}
                  maxQueueSeconds: 0.2
                  users:
                    flood: {requestsPerSecond: 5, burst: 10}
                    steady: {requestsPerSecond: 10, burst: 1}
                """);
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0));
    }

    @AfterAll
    void stop() {
        plane.close();
        TempDirs.delete(dataDir);
    }

    private ApiClient as(String token) {
        return new ApiClient(plane.url(), plane.caCertificate(), token);
    }

    @Test
    void aFloodingUserGets429WithRetryAfterWhileAnotherIsServed() throws Exception {
        ApiClient flood = as("flood-token");
        ApiClient calm = as("calm-token");
        ConcurrentLinkedQueue<HttpResponse<String>> flooded = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> flooders = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            flooders.add(pool.submit(() -> {
                while (!stop.get()) {
                    flooded.add(flood.get(PATH));
                }
            }));
        }
        List<Integer> calmCodes = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                calmCodes.add(calm.get(PATH).statusCode());
                Thread.sleep(20);
            }
        } finally {
            stop.set(true);
            for (Future<?> f : flooders) {
                f.get();
            }
            pool.shutdown();
        }
        assertTrue(calmCodes.stream().allMatch(c -> c == 200), "the other user is served throughout: " + calmCodes);
        List<HttpResponse<String>> refused = flooded.stream().filter(r -> r.statusCode() == 429).toList();
        long served = flooded.stream().filter(r -> r.statusCode() == 200).count();
        assertTrue(!refused.isEmpty(), "the flood must be limited: " + flooded.size() + " requests all served");
        assertTrue(served >= 10, "the burst is served first: " + served);
        HttpResponse<String> one = refused.getFirst();
        long retryAfter = Long.parseLong(one.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1, "Retry-After " + retryAfter);
        JsonNode status = new ObjectMapper().readTree(one.body());
        assertEquals("TooManyRequests", status.path("reason").asText());
        assertEquals(retryAfter, status.path("details").path("retryAfterSeconds").asLong());
        assertTrue(status.path("message").asText().contains("access.yaml"), status.toString());
    }

    @Test
    void aUserJustOverItsRateWaitsItsTurnInsteadOfBeingRefused() {
        ApiClient steady = as("steady-token");
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertEquals(200, steady.get(PATH).statusCode(), "request " + i + " waits in its queue (0.1 s per token, 0.2 s allowed)");
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 1_800, "20 requests at 10/s with a burst of 1 cannot take less than 1.9 s: " + millis + " ms");
    }

    @Test
    void theAdminIsExempt() {
        ApiClient admin = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
        for (int i = 0; i < 300; i++) {
            assertEquals(200, admin.get(PATH).statusCode(), "request " + i + " of the admin");
        }
    }
}
