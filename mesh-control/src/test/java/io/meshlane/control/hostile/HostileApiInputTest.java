package io.meshlane.control.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The Kubernetes API against inputs meant to hurt it: each gets a clear 4xx/5xx within bounded
 * time, another client is served meanwhile, nothing stored changes, and the heap does not keep
 * what the attack sent. The table in README lists these cases and their answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class HostileApiInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VS = "/apis/networking.istio.io/v1/namespaces/default/virtualservices";
    private static final long MB = 1024 * 1024;

    private Path dataDir;
    private ControlPlane plane;
    private ApiClient api;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-hostile");
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0));
        api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
        HttpResponse<String> seed = post("application/json", vs("kept", "\"hosts\":[\"kept\"]").getBytes(StandardCharsets.UTF_8));
        assertEquals(201, seed.statusCode(), seed.body());
    }

    @AfterAll
    void stop() {
        plane.close();
        TempDirs.delete(dataDir);
    }

    private static String vs(String name, String spec) {
        return "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"" + name
                + "\"},\"spec\":{" + spec + "}}";
    }

    private HttpResponse<String> post(String contentType, byte[] body) {
        return api.send("POST", VS, contentType, body);
    }

    /** One hostile request, answered while a well-behaved client keeps reading. */
    private JsonNode refused(String what, int expectedCode, Supplier<HttpResponse<String>> attack) throws Exception {
        long revision = plane.store().revision();
        CompletableFuture<List<Integer>> bystander = CompletableFuture.supplyAsync(() -> {
            List<Integer> codes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                codes.add(api.get(VS + "/kept").statusCode());
            }
            return codes;
        });
        long start = System.nanoTime();
        HttpResponse<String> r = attack.get();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(expectedCode, r.statusCode(), what + ": " + abbreviated(r.body()));
        assertTrue(r.body().length() < 64 * 1024, what + ": the answer is bounded, not " + r.body().length() + " chars");
        JsonNode status = JSON.readTree(r.body());
        assertEquals("Status", status.path("kind").asText(), what + ": " + abbreviated(r.body()));
        assertTrue(!status.path("message").asText().isBlank(), what);
        assertEquals(List.of(200, 200, 200, 200, 200), bystander.get(60, TimeUnit.SECONDS), what + ": another client is served meanwhile");
        assertEquals(revision, plane.store().revision(), what + ": nothing stored changes");
        System.out.printf("%s -> %d %s in %d ms%n", what, r.statusCode(), status.path("reason").asText(), millis);
        return status;
    }

    private static String abbreviated(String s) {
        return s.length() > 500 ? s.substring(0, 500) + "…" : s;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void everyHostileInputGetsAClearErrorAndLeavesNothingBehind() throws Exception {
        long heapBefore = heapAfterGc();

        JsonNode huge = refused("100 MB body", 413, () -> api.send(api.request(VS).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> new Filler(100 * MB)), 100 * MB))
                .build()));
        assertTrue(huge.path("message").asText().contains("limit"), huge.toString());

        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        JsonNode nested = refused("JSON nested 100,000 deep", 400, () -> post("application/json",
                vs("deep", "\"hosts\":[\"a\"],\"http\":" + deep).getBytes(StandardCharsets.UTF_8)));
        assertTrue(nested.path("message").asText().contains("not valid JSON"), nested.toString());

        StringBuilder million = new StringBuilder("[");
        for (int i = 0; i < 1_000_000; i++) {
            million.append(i == 0 ? "1" : ",1");
        }
        million.append(']');
        JsonNode array = refused("1,000,000-element array", 422, () -> post("application/json",
                vs("wide", "\"hosts\":" + million).getBytes(StandardCharsets.UTF_8)));
        assertTrue(array.path("message").asText().contains("spec.hosts"), array.toString());

        byte[] utf8 = vs("bad\u00e9", "\"hosts\":[\"x\"]").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            if (utf8[i] == (byte) 0xC3) {
                utf8[i] = (byte) 0xFF;
            }
        }
        refused("invalid UTF-8", 400, () -> post("application/json", utf8));

        StringBuilder bomb = new StringBuilder("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bomb}\n");
        bomb.append("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p).append(",*").append(p)
                    .append(",*").append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p)
                    .append(",*").append(p).append(",*").append(p).append("]\n");
        }
        bomb.append("spec: {hosts: [x], http: *j}\n");
        // the YAML reader does not expand an alias into a copy of its collection, so the bomb never grows:
        // what reaches validation is the alias's name where an array belongs
        JsonNode aliases = refused("YAML alias bomb", 422, () -> post("application/yaml", bomb.toString().getBytes(StandardCharsets.UTF_8)));
        assertTrue(aliases.path("message").asText().contains("spec.http"), aliases.toString());

        String label = "v".repeat((int) MB);
        JsonNode longLabel = refused("1 MB label value", 422, () -> post("application/json",
                ("{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"label\",\"labels\":{\"k\":\""
                        + label + "\"}},\"spec\":{\"hosts\":[\"x\"]}}").getBytes(StandardCharsets.UTF_8)));
        assertTrue(longLabel.path("message").asText().contains("metadata.labels"), longLabel.toString());

        long future = plane.store().revision() + 1_000_000;
        JsonNode ahead = refused("watch from a future resourceVersion", 504, () -> api.send(api.request(VS + "?watch=true&resourceVersion=" + future)
                .timeout(Duration.ofSeconds(30)).GET().build()));
        assertTrue(ahead.path("message").asText().contains("Too large resource version"), ahead.toString());

        assertEquals(200, api.get(VS + "/kept").statusCode(), "the server is still up");
        long heapAfter = heapAfterGc();
        System.out.printf("heap after GC: before %d MB, after %d MB%n", heapBefore / MB, heapAfter / MB);
        assertTrue(heapAfter < heapBefore + 64 * MB, "the heap keeps what the attacks sent: " + heapBefore / MB + " MB before, "
                + heapAfter / MB + " MB after");
    }

    /** A body of {@code size} bytes made on the fly, so the test itself does not hold 100 MB. */
    private static final class Filler extends InputStream {
        private long left;

        Filler(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            return left-- > 0 ? ' ' : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) ' ');
            left -= n;
            return n;
        }
    }
}
