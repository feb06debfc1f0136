package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.grpc.RawBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OtlpGrpcReceiverTest {
    private static final long NOW = System.currentTimeMillis() * 1_000_000L;
    private final CollectingSink sink = new CollectingSink();
    private OtlpReceivers receivers;
    private ManagedChannel channel;

    private void start(OtlpReceiverOptions options) {
        receivers = OtlpReceivers.start(options.withPorts(0, -1), sink, null);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", receivers.grpcPort()).usePlaintext()
                .maxInboundMessageSize(16 << 20).build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (receivers != null) {
            receivers.close();
        }
    }

    private TraceServiceGrpc.TraceServiceBlockingStub traces() {
        return TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @Test
    void spansArriveDecodedWithIdsServiceAndPeer() {
        start(OtlpReceiverOptions.ephemeral());
        ByteString trace = ByteString.fromHex("0af7651916cd43dd8448eb211c80319c");
        ByteString root = ByteString.fromHex("b7ad6b7169203331");
        ByteString child = ByteString.fromHex("00f067aa0ba902b7");
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(OtlpSamples.resource("reviews", "bookinfo", "reviews-v2", "east"))
                        .addScopeSpans(ScopeSpans.newBuilder()
                                .addSpans(OtlpSamples.span(trace, root, ByteString.EMPTY, "GET /reviews", Span.SpanKind.SPAN_KIND_SERVER,
                                        NOW, 30_000_000, 200, ""))
                                .addSpans(OtlpSamples.span(trace, child, root, "GET /ratings", Span.SpanKind.SPAN_KIND_CLIENT,
                                        NOW + 1_000_000, 12_000_000, 503, "ratings"))))
                .build();

        ExportTraceServiceResponse response = traces().export(request);

        assertFalse(response.hasPartialSuccess(), response.toString());
        List<SpanRecord> spans = sink.spans();
        assertEquals(2, spans.size());
        SpanRecord c = spans.get(1);
        assertEquals("0af7651916cd43dd8448eb211c80319c", c.traceId());
        assertEquals("00f067aa0ba902b7", c.spanId());
        assertEquals("b7ad6b7169203331", c.parentSpanId());
        assertEquals("", spans.get(0).parentSpanId());
        assertEquals(SpanKind.CLIENT, c.kind());
        assertEquals("ratings", c.peerService());
        assertEquals(503, c.httpStatus());
        assertTrue(c.error());
        assertFalse(spans.get(0).error());
        assertEquals(12_000_000, c.durationNanos());
        assertEquals("reviews", c.service().service());
        assertEquals("reviews-v2", c.service().workload());
        assertEquals("bookinfo", c.service().namespace());
        assertEquals("east", c.service().cluster());
    }

    @Test
    void oneInvalidSpanIsRejectedAloneWithPartialSuccess() {
        start(OtlpReceiverOptions.ephemeral());
        Random r = new Random(1);
        ExportTraceServiceRequest good = OtlpSamples.traces(r, 6, NOW);
        Span bad = OtlpSamples.span(OtlpSamples.id(r, 16), ByteString.copyFrom(new byte[4]), ByteString.EMPTY, "short-id",
                Span.SpanKind.SPAN_KIND_SERVER, NOW, 1000, 200, "");
        ExportTraceServiceRequest request = good.toBuilder().setResourceSpans(0, good.getResourceSpans(0).toBuilder()
                .setScopeSpans(0, good.getResourceSpans(0).getScopeSpans(0).toBuilder().addSpans(bad))).build();

        ExportTraceServiceResponse response = traces().export(request);

        assertEquals(1, response.getPartialSuccess().getRejectedSpans());
        assertTrue(response.getPartialSuccess().getErrorMessage().contains("'short-id'"), response.getPartialSuccess().getErrorMessage());
        assertTrue(response.getPartialSuccess().getErrorMessage().contains("span id has 4 bytes, expected 8"));
        assertEquals(6, sink.spans().size());
        assertEquals(1, receivers.stats().spansRejected());
        assertEquals(6, receivers.stats().spansAccepted());
    }

    @Test
    void undecodableRequestIsInvalidArgumentAndTheReceiverKeepsServing() {
        start(OtlpReceiverOptions.ephemeral());
        MethodDescriptor<byte[], byte[]> raw = TraceServiceGrpc.getExportMethod().toBuilder(RawBytes.MARSHALLER, RawBytes.MARSHALLER).build();
        // field 1 (resource_spans), length-delimited, claims 100 bytes but carries 2
        byte[] garbage = {0x0a, 100, 1, 2};

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), garbage));

        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("cannot decode"), e.getStatus().getDescription());
        assertEquals(1, receivers.stats().malformedRequests());
        traces().export(OtlpSamples.traces(new Random(2), 3, NOW));
        assertEquals(3, sink.spans().size());
    }

    @Test
    void oversizedRequestIsResourceExhaustedAndSmallOnesStillPass() {
        start(OtlpReceiverOptions.ephemeral().withMaxMessageBytes(64 * 1024));
        ExportTraceServiceRequest big = OtlpSamples.traces(new Random(3), 2000, NOW);
        assertTrue(big.getSerializedSize() > 64 * 1024);

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> traces().export(big));

        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("65536"), e.getStatus().getDescription());
        assertTrue(sink.spans().isEmpty());
        traces().export(OtlpSamples.traces(new Random(4), 30, NOW));
        assertEquals(30, sink.spans().size());
    }

    @Test
    void sinkOverloadIsUnavailableAndSinkFailureIsInternalThenServingResumes() {
        start(OtlpReceiverOptions.ephemeral());
        ExportTraceServiceRequest request = OtlpSamples.traces(new Random(5), 9, NOW);
        sink.failWith(() -> new SinkOverloadedException("store queue full"));
        StatusRuntimeException overloaded = assertThrows(StatusRuntimeException.class, () -> traces().export(request));
        assertEquals(Status.Code.UNAVAILABLE, overloaded.getStatus().getCode());
        assertTrue(overloaded.getStatus().getDescription().contains("store queue full"));

        sink.failWith(() -> new IllegalStateException("disk on fire"));
        StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () -> traces().export(request));
        assertEquals(Status.Code.INTERNAL, failed.getStatus().getCode());
        assertTrue(failed.getStatus().getDescription().contains("disk on fire"));

        sink.failWith(null);
        traces().export(request);
        assertEquals(9, sink.spans().size());
        assertEquals(1, receivers.stats().refusedRequests());
        assertEquals(1, receivers.stats().failedRequests());
    }

    @Test
    void istioMetricsBecomeRequestDeltasPerEdge() {
        start(OtlpReceiverOptions.ephemeral());
        MetricsServiceGrpc.MetricsServiceBlockingStub metrics = MetricsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        long start = NOW - 60_000_000_000L; // the proxy started before the receiver: first export is a baseline

        ExportMetricsServiceResponse first = metrics.export(OtlpSamples.istioMetrics("proxy-a", 3, 1, start, NOW));
        metrics.export(OtlpSamples.istioMetrics("proxy-a", 3, 4, start, NOW + 10_000_000_000L));

        assertFalse(first.hasPartialSuccess());
        List<RequestBuckets> buckets = sink.requestBuckets();
        assertEquals(3, buckets.size(), buckets.toString());
        for (RequestBuckets b : buckets) {
            assertEquals(30, java.util.Arrays.stream(b.counts()).sum(), "10 * (4 - 1) requests between the two exports");
            assertEquals(OtlpSamples.BOUNDS.size(), b.upperBoundsMillis().length);
        }
        RequestBuckets failing = buckets.stream().filter(b -> b.responseCode() == 503).findFirst().orElseThrow();
        assertTrue(failing.error());
        assertEquals("svc0", failing.source().service());
        assertEquals("svc0-v1", failing.destination().workload());
        long tcpOpened = sink.batches.stream().flatMap(b -> b.tcp().stream()).mapToLong(t -> t.connectionsOpened()).sum();
        assertEquals(90, tcpOpened);
        assertEquals(36, receivers.stats().metricPointsUnderstood());
    }
}
