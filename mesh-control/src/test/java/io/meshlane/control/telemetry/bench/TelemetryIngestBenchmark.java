package io.meshlane.control.telemetry.bench;

import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.telemetry.store.TelemetryConfig;
import io.meshlane.control.telemetry.store.TelemetryStatus;
import io.meshlane.control.telemetry.store.TelemetryStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ingest throughput of TelemetryStore.accept with the memory budget enforced (eviction runs
 * throughout): spans/s (3-span chains between 1,000 services, so traces, span metrics and the
 * CLIENT/SERVER join all run) and request samples/s (Istio-style metric points). Batches are
 * built by the producing threads (as decoding would) but only accept() is timed; wall-clock
 * rates including building are printed too. Targets: ≥ 50,000 spans/s, ≥ 200,000 points/s.
 * <pre>
 * MAVEN_OPTS=-Xmx512m mvn -q -o -pl mesh-control test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.meshlane.control.telemetry.bench.TelemetryIngestBenchmark
 * </pre>
 * Properties: bench.threads (2), bench.spans (3,000,000), bench.requests (10,000,000), bench.budgetMb (256).
 */
public final class TelemetryIngestBenchmark {

    private TelemetryIngestBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int threads = Integer.getInteger("bench.threads", 2);
        long spans = Long.getLong("bench.spans", 3_000_000);
        long requests = Long.getLong("bench.requests", 10_000_000);
        long budget = Long.getLong("bench.budgetMb", 256) << 20;
        BenchMesh mesh = new BenchMesh(1000, 2, 2, 1);
        System.out.printf("%d threads, budget %d MB, max heap %d MB, %d cores%n", threads, budget >> 20,
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());

        TelemetryStore spanStore = new TelemetryStore(new TelemetryConfig(budget, 20_000,
                java.time.Duration.ofSeconds(10), "c1"), Clock.systemUTC());
        run("spans", threads, spans, spanStore, (r, seq) -> TelemetryBatch.ofSpans(chains(mesh, r, seq, 100)));
        report(spanStore.status());

        TelemetryStore metricStore = new TelemetryStore(new TelemetryConfig(budget, 20_000,
                java.time.Duration.ofSeconds(10), "c1"), Clock.systemUTC());
        run("request samples", threads, requests, metricStore, (r, seq) -> new TelemetryBatch(
                samples(mesh, r, 1000), List.of(), List.of(), List.of(), List.of()));
        report(metricStore.status());
    }

    interface BatchMaker {
        TelemetryBatch make(SplittableRandom r, AtomicLong sequence);
    }

    private static void run(String what, int threads, long items, TelemetryStore store, BatchMaker maker)
            throws Exception {
        // warm-up: JIT the paths before timing
        SplittableRandom warm = new SplittableRandom(99);
        AtomicLong sequence = new AtomicLong(1L << 40);
        for (int i = 0; i < 300; i++) {
            store.accept(maker.make(warm, sequence));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong acceptNanos = new AtomicLong();
        AtomicLong acceptCpuNanos = new AtomicLong();
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                futures.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    long mine = 0;
                    long nanos = 0;
                    long cpuNanos = 0;
                    while (mine < items / threads) {
                        TelemetryBatch batch = maker.make(r, sequence);
                        long c0 = cpu.getCurrentThreadCpuTime();
                        long t0 = System.nanoTime();
                        store.accept(batch);
                        nanos += System.nanoTime() - t0;
                        cpuNanos += cpu.getCurrentThreadCpuTime() - c0;
                        mine += batch.size();
                    }
                    acceptNanos.addAndGet(nanos);
                    acceptCpuNanos.addAndGet(cpuNanos);
                    done.addAndGet(mine);
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double perThreadAccept = acceptNanos.get() / 1e9 / threads;
        double cpuPerItem = acceptCpuNanos.get() / 1e3 / done.get();
        System.out.printf("%-16s %,d in %.1f s: %,.0f /s wall-clock incl. building batches; %,.0f /s in accept(); "
                + "accept() CPU %.2f µs per item (= %,.0f /s on %d dedicated cores); load average %.1f%n", what,
                done.get(), wall, done.get() / wall, done.get() / perThreadAccept, cpuPerItem,
                threads * 1e6 / cpuPerItem, threads,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static void report(TelemetryStatus s) {
        System.out.printf("  store: used %.1f MB of %.1f MB (aggregates %.1f, traces %.1f, logs %.1f); evicted "
                        + "cells %,d traces %,d; series %,d/%,d capped %,d; traces %,d spans %,d; heap used %.1f MB%n",
                s.memoryUsedBytes() / 1e6, s.memoryBudgetBytes() / 1e6, s.aggregateBytes() / 1e6, s.traceBytes() / 1e6,
                s.logBytes() / 1e6, s.evictedAggregateCells(), s.evictedTraces(), s.seriesAlive(), s.seriesCap(),
                s.capped(), s.traces(), s.spans(), TelemetryQueryBenchmark.heapUsedMb());
    }

    /** {@code count} traces: caller SERVER root → CLIENT → callee SERVER, as OTLP would carry them. */
    static List<SpanRecord> chains(BenchMesh mesh, SplittableRandom r, AtomicLong sequence, int count) {
        List<SpanRecord> out = new ArrayList<>(count * 3);
        long now = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < count; i++) {
            long id = sequence.incrementAndGet();
            String trace = hex(id, 32);
            int s = r.nextInt(mesh.services);
            Peer caller = mesh.workloads[s][r.nextInt(2)];
            int c = mesh.callees[s][r.nextInt(2)];
            Peer callee = mesh.workloads[c][r.nextInt(2)];
            long calleeMicros = BenchMesh.latency(r);
            boolean error = r.nextInt(100) == 0;
            String root = hex(id * 4, 16);
            String client = hex(id * 4 + 1, 16);
            Map<String, String> attrs = Map.of("http.route", "/api/" + c, "http.request.method", "GET");
            out.add(new SpanRecord(trace, root, "", "GET /front", SpanKind.SERVER, caller, "", now,
                    now + (calleeMicros + 800) * 1000, false, 200, "", Map.of("http.route", "/front")));
            out.add(new SpanRecord(trace, client, root, "GET", SpanKind.CLIENT, caller, callee.service(), now + 100_000,
                    now + 100_000 + (calleeMicros + 300) * 1000, error, error ? 503 : 200, "", Map.of()));
            out.add(new SpanRecord(trace, hex(id * 4 + 2, 16), client, "GET /api", SpanKind.SERVER, callee, "",
                    now + 200_000, now + 200_000 + calleeMicros * 1000, error, error ? 503 : 200, "", attrs));
        }
        return out;
    }

    static List<RequestSample> samples(BenchMesh mesh, SplittableRandom r, int count) {
        List<RequestSample> out = new ArrayList<>(count);
        long now = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            int s = r.nextInt(mesh.services);
            int c = mesh.callees[s][r.nextInt(2)];
            boolean error = r.nextInt(100) == 0;
            out.add(new RequestSample(mesh.workloads[s][r.nextInt(2)], mesh.workloads[c][r.nextInt(2)],
                    mesh.operations[c][r.nextInt(3)], error ? 503 : 200, error, BenchMesh.latency(r), now));
        }
        return out;
    }

    private static String hex(long value, int length) {
        String s = Long.toHexString(value);
        return "0".repeat(Math.max(0, length - s.length())) + s;
    }
}
