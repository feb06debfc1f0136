package io.meshlane.control.telemetry.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.meshlane.control.telemetry.otlp.BatchSink;
import io.meshlane.control.telemetry.otlp.IngestStats;
import io.meshlane.control.telemetry.otlp.OtlpReceiverOptions;
import io.meshlane.control.telemetry.otlp.OtlpReceivers;
import io.meshlane.control.telemetry.otlp.OtlpSamples;
import io.meshlane.control.grpc.RawBytes;
import io.meshlane.control.telemetry.store.IngestOutcome;
import io.meshlane.control.telemetry.store.TelemetryConfig;
import io.meshlane.control.telemetry.store.TelemetryStore;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * OTLP ingest throughput over real gRPC on loopback: client threads send Bookinfo-like trace batches
 * (512 spans each) and Istio metric batches (one proxy's 100 series x 6 metrics = 600 points, cumulative)
 * to {@link OtlpReceivers}; the sink only counts, or with a third argument {@code store} hands every
 * batch to a real TelemetryStore, which is the whole ingest path of the control plane.
 * The requests are serialized once up front, so the client's protobuf encoding is not measured; the
 * receiver's whole path is: HTTP/2 framing, protobuf decoding, conversion to signals (ids to hex,
 * attributes, Istio mapping with cumulative-to-delta), the sink call and the response.
 *
 * <pre>
 * MAVEN_OPTS="-Xmx512m --sun-misc-unsafe-memory-access=allow" mvn -q -o -pl mesh-control test-compile exec:java \
 *   -Dexec.classpathScope=test -Dexec.mainClass=io.meshlane.control.telemetry.bench.OtlpIngestBenchmark [-Dexec.args="4 10 [store]"]
 * </pre>
 * Arguments: client threads (default 4), seconds measured per phase (default 10).
 */
public final class OtlpIngestBenchmark {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = RawBytes.MARSHALLER;

    private OtlpIngestBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        // "store": the whole path into a real TelemetryStore (256 MiB budget), as the control plane runs it
        TelemetryStore store = args.length > 2 && args[2].equals("store")
                ? new TelemetryStore(TelemetryConfig.defaults(), java.time.Clock.systemUTC()) : null;
        LongAdder spans = new LongAdder();
        LongAdder signals = new LongAdder();
        BatchSink counting = batch -> {
            spans.add(batch.spans().size());
            signals.add(batch.requestBuckets().size() + batch.tcp().size());
            return store == null ? new IngestOutcome(batch.size(), 0, 0, "") : store.accept(batch);
        };
        long now = System.currentTimeMillis() * 1_000_000L;
        try (OtlpReceivers receivers = OtlpReceivers.start(OtlpReceiverOptions.ephemeral().withPorts(0, -1), counting, null)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", receivers.grpcPort()).usePlaintext()
                    .maxInboundMessageSize(16 << 20).build();
            try {
                System.out.printf("OTLP ingest benchmark: %d client threads, %d s per phase, %d cores, max heap %d MiB%n", threads, seconds,
                        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
                // traces: 16 distinct 512-span batches per thread
                List<List<byte[]>> traceBatches = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    List<byte[]> mine = new ArrayList<>();
                    Random r = new Random(t);
                    for (int i = 0; i < 16; i++) {
                        mine.add(OtlpSamples.traces(r, 512, now).toByteArray());
                    }
                    traceBatches.add(mine);
                }
                System.out.printf("trace batch: 512 spans, %d bytes%n", traceBatches.getFirst().getFirst().length);
                MethodDescriptor<byte[], byte[]> traceExport = TraceServiceGrpc.getExportMethod().toBuilder(BYTES, BYTES).build();
                // into the store every request must carry new trace ids (a re-sent span is refused as a duplicate)
                Renaming fresh = store == null ? null : new Renaming(traceBatches);
                run("warm-up traces", channel, traceExport, traceBatches, 3, () -> receivers.stats().spansAccepted(), "spans", fresh);
                double spanRate = run("traces", channel, traceExport, traceBatches, seconds, () -> receivers.stats().spansAccepted(),
                        "spans", fresh);

                // metrics: 2 proxies per thread, 4 increasing cumulative rounds each, cycled (the wrap is a counter reset)
                List<List<byte[]>> metricBatches = new ArrayList<>();
                long start = now - 3_600_000_000_000L;
                for (int t = 0; t < threads; t++) {
                    List<byte[]> mine = new ArrayList<>();
                    for (int round = 1; round <= 4; round++) {
                        for (int p = 0; p < 2; p++) {
                            mine.add(OtlpSamples.istioMetrics("proxy-" + t + "-" + p, 100, round, start, now + round * 10_000_000_000L)
                                    .toByteArray());
                        }
                    }
                    metricBatches.add(mine);
                }
                System.out.printf("metric batch: 600 points, %d bytes%n", metricBatches.getFirst().getFirst().length);
                MethodDescriptor<byte[], byte[]> metricExport = MetricsServiceGrpc.getExportMethod().toBuilder(BYTES, BYTES).build();
                run("warm-up metrics", channel, metricExport, metricBatches, 3, () -> points(receivers.stats()), "points", null);
                long signalsBefore = signals.sum();
                long pointsBefore = points(receivers.stats());
                double pointRate = run("metrics", channel, metricExport, metricBatches, seconds, () -> points(receivers.stats()), "points",
                        null);
                System.out.printf("  request/TCP signals produced: %d per 1000 points%n",
                        (signals.sum() - signalsBefore) * 1000 / Math.max(1, points(receivers.stats()) - pointsBefore));

                System.out.printf("%nRESULT spans/s=%.0f (target 50000) points/s=%.0f (target 200000) peak heap used=%d MiB of %d MiB%n",
                        spanRate, pointRate, peakHeapMiB(), Runtime.getRuntime().maxMemory() >> 20);
                System.out.println("ingest counters: " + receivers.stats());
                if (store != null) {
                    System.out.println("store: " + store.status());
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * New trace ids for every send of a serialized trace batch: the first 8 bytes of each trace id
     * are overwritten in a copy of the bytes (the offsets are found once per batch), so a batch
     * costs the client a memory copy, not a protobuf build, and the store sees only new traces.
     */
    private static final class Renaming {
        private final java.util.Map<byte[], int[]> offsets = new java.util.IdentityHashMap<>();
        private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();

        Renaming(List<List<byte[]>> batches) {
            for (List<byte[]> perThread : batches) {
                for (byte[] batch : perThread) {
                    offsets.put(batch, traceIdOffsets(batch));
                }
            }
        }

        byte[] next(byte[] template) {
            byte[] copy = template.clone();
            long prefix = sequence.incrementAndGet() << 20;
            java.nio.ByteBuffer view = java.nio.ByteBuffer.wrap(copy);
            for (int offset : offsets.get(template)) {
                // trace ids of one trace share their last 8 bytes: keep them, so spans of a trace stay together
                view.putLong(offset, prefix);
            }
            return copy;
        }

        private static int[] traceIdOffsets(byte[] batch) {
            List<Integer> found = new ArrayList<>();
            // a span's trace_id is field 1, length-delimited, 16 bytes: tag 0x0a, length 0x10
            try {
                io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest request =
                        io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(batch);
                java.util.Set<com.google.protobuf.ByteString> ids = new java.util.HashSet<>();
                request.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> ss.getSpansList()
                        .forEach(sp -> ids.add(sp.getTraceId()))));
                for (int i = 0; i + 18 <= batch.length; i++) {
                    if (batch[i] == 0x0a && batch[i + 1] == 0x10
                            && ids.contains(com.google.protobuf.ByteString.copyFrom(batch, i + 2, 16))) {
                        found.add(i + 2);
                        i += 17;
                    }
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
            return found.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private static long points(IngestStats s) {
        return s.metricPointsUnderstood() + s.metricPointsNotUnderstood();
    }

    private interface Counter {
        long get();
    }

    private static double run(String phase, ManagedChannel channel, MethodDescriptor<byte[], byte[]> method, List<List<byte[]>> batches,
                              int seconds, Counter counter, String unit, Renaming fresh) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder errors = new LongAdder();
        List<Thread> clients = new ArrayList<>();
        long before = counter.get();
        long cpu0 = processCpuNanos();
        java.util.Map<String, Long> threads0 = cpuByThreadGroup();
        long t0 = System.nanoTime();
        for (List<byte[]> mine : batches) {
            clients.add(Thread.ofPlatform().name("bench-client").start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        byte[] request = fresh == null ? mine.get(i % mine.size()) : fresh.next(mine.get(i % mine.size()));
                        ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                                request);
                    } catch (RuntimeException e) {
                        errors.increment();
                    }
                }
            }));
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread c : clients) {
            c.join();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpu0) / 1e9;
        long done = counter.get() - before;
        double rate = done / elapsed;
        // the machine is shared: CPU time says what the ingest path costs, whatever else runs
        System.out.printf("%-16s %,12.0f %s/s over %.1f s (%d errors); %.2f CPU-s used = %,.0f %s per CPU-second; heap used now %d MiB%n",
                phase, rate, unit, elapsed, errors.sum(), cpuSeconds, done / cpuSeconds, unit, heapUsedMiB());
        java.util.Map<String, Long> threads1 = cpuByThreadGroup();
        StringBuilder where = new StringBuilder("  CPU by thread group:");
        long named = 0;
        for (var e : threads1.entrySet()) {
            long d = e.getValue() - threads0.getOrDefault(e.getKey(), 0L);
            named += d;
            if (d >= 10_000_000L) {
                where.append(String.format(" %s %.2fs,", e.getKey(), d / 1e9));
            }
        }
        System.out.println(where + String.format(" GC, JIT, finished client threads and the rest %.2fs", (processCpuNanos() - cpu0 - named) / 1e9));
        return rate;
    }

    /** CPU time of live Java threads, summed by name with trailing numbers removed (gRPC executor, Netty loops, clients). */
    private static java.util.Map<String, Long> cpuByThreadGroup() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = mx.getThreadCpuTime(info.getThreadId());
            if (cpu > 0) {
                out.merge(info.getThreadName().replaceAll("[-0-9]+$", ""), cpu, Long::sum);
            }
        }
        return out;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long heapUsedMiB() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }

    private static long peakHeapMiB() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak >> 20;
    }
}
