package io.meshlane.control.telemetry.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshlane.control.telemetry.otlp.CollectingSink;
import io.meshlane.control.telemetry.otlp.OtlpReceiverOptions;
import io.meshlane.control.telemetry.otlp.OtlpReceivers;
import io.meshlane.control.telemetry.otlp.OtlpSamples;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OtlpGrpcForwarderTest {
    private static final long NOW = System.currentTimeMillis() * 1_000_000L;

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void acceptedRequestsArriveAtASecondReceiver() throws Exception {
        CollectingSink collectorSink = new CollectingSink();
        CollectingSink localSink = new CollectingSink();
        try (OtlpReceivers collector = OtlpReceivers.start(OtlpReceiverOptions.ephemeral().withPorts(0, -1), collectorSink, null);
             OtlpGrpcForwarder forwarder = OtlpGrpcForwarder.start(ForwarderOptions.to("127.0.0.1:" + collector.grpcPort()));
             OtlpReceivers local = OtlpReceivers.start(OtlpReceiverOptions.ephemeral().withPorts(0, -1), localSink, forwarder)) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", local.grpcPort()).usePlaintext().build();
            try {
                ExportTraceServiceRequest traces = OtlpSamples.traces(new Random(1), 300, NOW);
                for (int i = 0; i < 3; i++) {
                    TraceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                            .export(OtlpSamples.traces(new Random(100 + i), 100, NOW));
                }
                TraceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).export(traces);
                MetricsServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .export(OtlpSamples.istioMetrics("proxy", 5, 1, NOW - 1, NOW));

                await(() -> collectorSink.spans().size() == 600 && collector.stats().metricPointsUnderstood() == 30,
                        "spans and metric points at the collector");
                Set<String> sent = localSink.spans().stream().map(SpanRecord::spanId).collect(Collectors.toSet());
                Set<String> arrived = collectorSink.spans().stream().map(SpanRecord::spanId).collect(Collectors.toSet());
                assertEquals(sent, arrived);
                SpanRecord one = collectorSink.spans().stream().filter(s -> s.spanId().equals(localSink.spans().getFirst().spanId()))
                        .findFirst().orElseThrow();
                assertEquals(localSink.spans().getFirst(), one, "identical after forwarding");
                assertEquals(630, forwarder.stats().sentItems());
                assertEquals(0, forwarder.stats().droppedItems());
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aStuckCollectorFillsTheQueueAndTheRestIsDroppedWithoutBlocking() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CollectingSink stuck = new CollectingSink();
        try (OtlpReceivers collector = OtlpReceivers.start(OtlpReceiverOptions.ephemeral().withPorts(0, -1), batch -> {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return stuck.accept(batch);
        }, null);
             OtlpGrpcForwarder forwarder = OtlpGrpcForwarder.start(ForwarderOptions.to("127.0.0.1:" + collector.grpcPort())
                     .withQueue(10, 1).withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofSeconds(30)))) {
            ExportTraceServiceRequest request = OtlpSamples.traces(new Random(2), 3, NOW);
            forwarder.traces(request);
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the first export reached the collector");

            for (int i = 0; i < 100; i++) {
                forwarder.traces(request); // would hang here if offering could block
            }

            assertEquals(90, forwarder.stats().droppedRequests());
            assertEquals(270, forwarder.stats().droppedItems());
            assertEquals(10, forwarder.stats().queueDepth());
            release.countDown();
            await(() -> forwarder.stats().sentRequests() == 11, "the queued requests once the collector recovers");
            assertEquals(33, stuck.spans().size());
        }
    }

    @Test
    void aDeadCollectorIsRetriedThenItsBatchesAreDroppedAndCounted() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (OtlpGrpcForwarder forwarder = OtlpGrpcForwarder.start(ForwarderOptions.to("127.0.0.1:" + port)
                .withQueue(100, 4).withRetries(3, Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofSeconds(2)))) {
            for (int i = 0; i < 8; i++) {
                forwarder.traces(OtlpSamples.traces(new Random(i), 3, NOW));
            }
            await(() -> forwarder.stats().droppedItems() == 24, "all 24 spans dropped");
            assertEquals(0, forwarder.stats().sentItems());
            assertTrue(forwarder.stats().retries() >= 2, forwarder.stats().toString());
        }
    }

    @Test
    void noForwardingWhenTheSinkRefuses() throws Exception {
        CollectingSink collectorSink = new CollectingSink();
        try (OtlpReceivers collector = OtlpReceivers.start(OtlpReceiverOptions.ephemeral().withPorts(0, -1), collectorSink, null);
             OtlpGrpcForwarder forwarder = OtlpGrpcForwarder.start(ForwarderOptions.to("127.0.0.1:" + collector.grpcPort()));
             OtlpReceivers local = OtlpReceivers.start(OtlpReceiverOptions.ephemeral().withPorts(0, -1), b -> {
                 throw new io.meshlane.control.telemetry.otlp.SinkOverloadedException("full");
             }, forwarder)) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", local.grpcPort()).usePlaintext().build();
            try {
                try {
                    TraceServiceGrpc.newBlockingStub(ch).export(OtlpSamples.traces(new Random(3), 3, NOW));
                } catch (io.grpc.StatusRuntimeException expected) {
                    assertEquals(io.grpc.Status.Code.UNAVAILABLE, expected.getStatus().getCode());
                }
                Thread.sleep(300);
                assertEquals(0, forwarder.stats().sentRequests() + forwarder.stats().queueDepth(),
                        "a refused request is retried by its client, not forwarded twice");
                assertTrue(collectorSink.batches.isEmpty());
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
