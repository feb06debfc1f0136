package io.meshlane.control.bench;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * What one user's flood costs another user: the calm user's GET latency alone, then while a
 * flooding user hammers the API from many threads, once with the flood limited (its own rate in
 * access.yaml) and once with its limit set out of reach. Phases alternate in rounds so that the
 * machine's noise falls on all of them. Run with:
 * <pre>
 * mvn -q -pl mesh-control test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.meshlane.control.bench.FairnessBenchmark
 * </pre>
 * Optional system properties: bench.requests (1000 per phase and round), bench.rounds (3), bench.flooders (16).
 */
public final class FairnessBenchmark {
    private static final String PATH = "/api/v1/namespaces/default";

    private FairnessBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int requests = Integer.getInteger("bench.requests", 1000);
        int rounds = Integer.getInteger("bench.rounds", 3);
        int flooders = Integer.getInteger("bench.flooders", 16);
        Path dir = Files.createTempDirectory("meshlane-fairness");
        Files.writeString(dir.resolve("access.yaml"), """
                tokens:
                - {token: calm-token, user: calm}
                - {token: flood-token, user: flood}
                - {token: unlimited-token, user: unlimited}
                limits:
                  users:
                    calm: {requestsPerSecond: 1000000, burst: 1000000}
                    flood: {requestsPerSecond: 20, burst: 20}
                    unlimited: {requestsPerSecond: 1000000, burst: 1000000}
                """);
        try (ControlPlane plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dir).withListen("127.0.0.1", 0))) {
            ApiClient calm = new ApiClient(plane.url(), plane.caCertificate(), "calm-token");
            measure(calm, 2000);
            Histogram idle = new Histogram(3);
            Histogram limited = new Histogram(3);
            Histogram unlimited = new Histogram(3);
            long[] refused = new long[1];
            for (int round = 0; round < rounds; round++) {
                idle.add(measure(calm, requests));
                limited.add(underFlood(plane, "flood-token", flooders, calm, requests, refused));
                unlimited.add(underFlood(plane, "unlimited-token", flooders, calm, requests, new long[1]));
            }
            System.out.printf("calm user's GET latency, %d requests per phase, %d rounds, %d flooding threads, %d cores%n",
                    requests, rounds, flooders, Runtime.getRuntime().availableProcessors());
            print("idle", idle, idle);
            print("flood limited (20/s)", limited, idle);
            print("flood unlimited", unlimited, idle);
            System.out.printf("flood requests answered 429 while limited: %d%n", refused[0]);
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static Histogram underFlood(ControlPlane plane, String token, int threads, ApiClient calm, int requests, long[] refused)
            throws Exception {
        ApiClient flood = new ApiClient(plane.url(), plane.caCertificate(), token);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong tooMany = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int i = 0; i < threads; i++) {
            pool.submit(() -> {
                while (!stop.get()) {
                    if (flood.get(PATH).statusCode() == 429) {
                        tooMany.incrementAndGet();
                    }
                }
            });
        }
        try {
            Thread.sleep(500);
            return measure(calm, requests);
        } finally {
            stop.set(true);
            pool.shutdown();
            pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            refused[0] += tooMany.get();
        }
    }

    private static Histogram measure(ApiClient client, int requests) {
        Histogram h = new Histogram(3);
        for (int i = 0; i < requests; i++) {
            long start = System.nanoTime();
            int code = client.get(PATH).statusCode();
            if (code != 200) {
                throw new IllegalStateException("the calm user got " + code);
            }
            h.recordValue((System.nanoTime() - start) / 1000);
        }
        return h;
    }

    private static void print(String phase, Histogram h, Histogram idle) {
        System.out.printf("  %-22s p50 %7.2f ms  p99 %7.2f ms  (p99 %.2fx idle)%n", phase, h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, (double) h.getValueAtPercentile(99) / idle.getValueAtPercentile(99));
    }
}
