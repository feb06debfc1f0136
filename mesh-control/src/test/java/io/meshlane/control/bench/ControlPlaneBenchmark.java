package io.meshlane.control.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Load benchmark for the targets, over HTTPS against the embedded store, client and
 * server on this machine: creates/s, gets/s, and how long one change takes to reach 1,000
 * concurrent watchers. Bounded in count and time; loopback only. Run with:
 * <pre>
 * mvn -q -pl mesh-control test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.meshlane.control.bench.ControlPlaneBenchmark
 * </pre>
 * Optional system properties: bench.creates (20000), bench.gets (100000), bench.clients (64),
 * bench.watchers (1000), bench.changes (50).
 */
public final class ControlPlaneBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/apis/meshlane.io/v1alpha1/namespaces/default/accelerationpolicies";

    private ControlPlaneBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int creates = Integer.getInteger("bench.creates", 20_000);
        int gets = Integer.getInteger("bench.gets", 100_000);
        int clients = Integer.getInteger("bench.clients", 64);
        int watchers = Integer.getInteger("bench.watchers", 1_000);
        int changes = Integer.getInteger("bench.changes", 50);
        Path dir = Files.createTempDirectory("meshlane-bench");
        try (ControlPlane plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dir).withListen("127.0.0.1", 0))) {
            ApiClient api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
            warmUp(api);
            System.out.printf("control plane %s, embedded store, %d client threads, %d cores%n", plane.url(), clients,
                    Runtime.getRuntime().availableProcessors());
            runCreates(api, creates, clients);
            runGets(api, gets, clients, creates);
            runFanOut(api, watchers, changes);
        } finally {
            TempDirs.delete(dir);
        }
        System.exit(0);
    }

    private static byte[] policy(String name, String acceleration) {
        return ("{\"apiVersion\":\"meshlane.io/v1alpha1\",\"kind\":\"AccelerationPolicy\",\"metadata\":{\"name\":\"" + name
                + "\"},\"spec\":{\"acceleration\":\"" + acceleration + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    private static void warmUp(ApiClient api) throws Exception {
        parallel(16, 2_000, i -> {
            api.send("POST", PATH, "application/json", policy("warm-" + i, "Enabled"));
            api.get(PATH + "/warm-" + i);
        });
    }

    interface Task {
        void run(int i) throws Exception;
    }

    /** Runs {@code count} tasks on {@code threads} threads; returns elapsed nanoseconds. */
    private static long parallel(int threads, int count, Task task) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicLong failures = new AtomicLong();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        CountDownLatch done = new CountDownLatch(threads);
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            pool.execute(() -> {
                try {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        try {
                            task.run(i);
                        } catch (Exception | AssertionError e) {
                            failures.incrementAndGet();
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("benchmark phase did not finish within 10 minutes");
        }
        long elapsed = System.nanoTime() - start;
        pool.shutdownNow();
        if (failures.get() > 0) {
            System.out.println("  failures: " + failures.get());
        }
        return elapsed;
    }

    private static void runCreates(ApiClient api, int count, int clients) throws Exception {
        Histogram latency = new ConcurrentHistogram(3);
        AtomicLong errors = new AtomicLong();
        long nanos = parallel(clients, count, i -> {
            long t0 = System.nanoTime();
            HttpResponse<String> r = api.send("POST", PATH, "application/json", policy("p-" + i, i % 2 == 0 ? "Enabled" : "Disabled"));
            latency.recordValue((System.nanoTime() - t0) / 1_000);
            if (r.statusCode() != 201) {
                errors.incrementAndGet();
            }
        });
        report("creates", count, nanos, latency, errors.get(), 2_000);
    }

    private static void runGets(ApiClient api, int count, int clients, int existing) throws Exception {
        Histogram latency = new ConcurrentHistogram(3);
        AtomicLong errors = new AtomicLong();
        long nanos = parallel(clients, count, i -> {
            long t0 = System.nanoTime();
            HttpResponse<String> r = api.get(PATH + "/p-" + ThreadLocalRandom.current().nextInt(existing));
            latency.recordValue((System.nanoTime() - t0) / 1_000);
            if (r.statusCode() != 200) {
                errors.incrementAndGet();
            }
        });
        report("gets", count, nanos, latency, errors.get(), 10_000);
    }

    private static void report(String what, int count, long nanos, Histogram latencyMicros, long errors, int target) {
        double perSecond = count / (nanos / 1e9);
        System.out.printf("%-8s %,d in %.1f s = %,.0f/s (target >= %,d/s: %s); latency p50 %.1f ms, p99 %.1f ms; non-2xx %d%n",
                what, count, nanos / 1e9, perSecond, target, perSecond >= target ? "met" : "NOT met",
                latencyMicros.getValueAtPercentile(50) / 1e3, latencyMicros.getValueAtPercentile(99) / 1e3, errors);
    }

    /** The bench/seq annotation of a watch line, found without parsing the JSON (the client shares the CPU). */
    private static long sequence(String line) {
        int at = line.indexOf("\"bench/seq\":\"");
        if (at < 0) {
            return -1;
        }
        int start = at + 13;
        return Long.parseLong(line.substring(start, line.indexOf('"', start)));
    }

    private static void runFanOut(ApiClient api, int watchers, int changes) throws Exception {
        HttpResponse<String> created = api.send("POST", PATH, "application/json", policy("watched", "Enabled"));
        String rv = JSON.readTree(created.body()).path("metadata").path("resourceVersion").asText();
        Histogram latency = new ConcurrentHistogram(3);
        ConcurrentHashMap<Long, Long> sentAt = new ConcurrentHashMap<>();
        AtomicLong delivered = new AtomicLong();
        CountDownLatch open = new CountDownLatch(watchers);
        List<Stream<String>> streams = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        java.util.concurrent.Semaphore opening = new java.util.concurrent.Semaphore(32);
        for (int w = 0; w < watchers; w++) {
            pool.execute(() -> {
                HttpResponse<Stream<String>> response;
                opening.acquireUninterruptibly();
                try {
                    response = api.stream(PATH + "?watch=1&fieldSelector=metadata.name%3Dwatched&resourceVersion="
                        + rv + "&timeoutSeconds=120");
                } finally {
                    opening.release();
                }
                streams.add(response.body());
                open.countDown();
                Iterator<String> lines = response.body().iterator();
                try {
                    while (lines.hasNext()) {
                        long now = System.nanoTime();
                        Long sent = sentAt.get(sequence(lines.next()));
                        if (sent != null) {
                            latency.recordValue(Math.max(1, (now - sent) / 1_000));
                            delivered.incrementAndGet();
                        }
                    }
                } catch (Exception closed) {
                    // stream closed at the end of the benchmark
                }
            });
        }
        if (!open.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("only " + (watchers - open.getCount()) + " of " + watchers + " watches opened");
        }
        Thread.sleep(1_000);
        for (long seq = 1; seq <= changes; seq++) {
            sentAt.put(seq, System.nanoTime());
            String patch = "{\"metadata\":{\"annotations\":{\"bench/seq\":\"" + seq + "\"}}}";
            HttpResponse<String> r = api.send("PATCH", PATH + "/watched", "application/merge-patch+json", patch.getBytes(StandardCharsets.UTF_8));
            if (r.statusCode() != 200) {
                throw new IllegalStateException("patch failed: " + r.body());
            }
            Thread.sleep(200);
        }
        long expected = (long) watchers * changes;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (delivered.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        double p99 = latency.getValueAtPercentile(99) / 1e3;
        System.out.printf("fan-out  %d watchers x %d changes: delivered %,d of %,d; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms"
                        + " (target p99 <= 100 ms: %s)%n", watchers, changes, delivered.get(), expected,
                latency.getValueAtPercentile(50) / 1e3, p99, latency.getMaxValue() / 1e3,
                p99 <= 100 && delivered.get() == expected ? "met" : "NOT met");
        streams.forEach(Stream::close);
        pool.shutdownNow();
    }
}
