package io.meshlane.control.telemetry.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OtlpHttpReceiverTest {
    private static final long NOW = System.currentTimeMillis() * 1_000_000L;
    private final CollectingSink sink = new CollectingSink();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private OtlpReceivers receivers;

    private void start(OtlpReceiverOptions options) {
        receivers = OtlpReceivers.start(options.withPorts(-1, 0), sink, null);
    }

    @AfterEach
    void stop() {
        if (receivers != null) {
            receivers.close();
        }
    }

    private HttpResponse<byte[]> post(String path, String contentType, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receivers.httpPort() + path))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static com.google.rpc.Status protoStatus(HttpResponse<byte[]> r) throws Exception {
        assertEquals("application/x-protobuf", r.headers().firstValue("Content-Type").orElse(""));
        return com.google.rpc.Status.parseFrom(r.body());
    }

    private static com.google.rpc.Status jsonStatus(HttpResponse<byte[]> r) throws Exception {
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        com.google.rpc.Status.Builder b = com.google.rpc.Status.newBuilder();
        JsonFormat.parser().merge(new String(r.body(), StandardCharsets.UTF_8), b);
        return b.build();
    }

    private void assertStillServing() throws Exception {
        int before = sink.spans().size();
        HttpResponse<byte[]> ok = post("/v1/traces", "application/x-protobuf", OtlpSamples.traces(new Random(99), 3, NOW).toByteArray());
        assertEquals(200, ok.statusCode());
        assertEquals(before + 3, sink.spans().size());
    }

    @Test
    void openTelemetrySdkExporterSpansArriveDecoded() {
        start(OtlpReceiverOptions.ephemeral());
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + receivers.httpPort() + "/v1/traces").setCompression("gzip").build();
        Resource resource = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "productpage",
                AttributeKey.stringKey("k8s.namespace.name"), "bookinfo", AttributeKey.stringKey("k8s.deployment.name"), "productpage-v1"));
        SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource).addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
        try {
            Tracer tracer = provider.get("test");
            Span server = tracer.spanBuilder("GET /productpage").setSpanKind(io.opentelemetry.api.trace.SpanKind.SERVER).startSpan();
            Span client = tracer.spanBuilder("GET /reviews").setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT)
                    .setParent(Context.current().with(server)).setAttribute("server.address", "reviews")
                    .setAttribute("http.response.status_code", 500L).startSpan();
            client.setStatus(StatusCode.ERROR, "upstream reset");
            client.end();
            server.end();
            assertTrue(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess(), "the SDK's export succeeded");

            List<SpanRecord> spans = sink.spans();
            assertEquals(2, spans.size());
            SpanRecord c = spans.stream().filter(s -> s.kind() == SpanKind.CLIENT).findFirst().orElseThrow();
            SpanRecord s = spans.stream().filter(x -> x.kind() == SpanKind.SERVER).findFirst().orElseThrow();
            assertEquals(server.getSpanContext().getTraceId(), c.traceId());
            assertEquals(client.getSpanContext().getSpanId(), c.spanId());
            assertEquals(server.getSpanContext().getSpanId(), c.parentSpanId());
            assertEquals("reviews", c.peerService());
            assertEquals(500, c.httpStatus());
            assertTrue(c.error());
            assertEquals("upstream reset", c.statusMessage());
            assertEquals("productpage-v1", s.service().workload());
            assertEquals("bookinfo", s.service().namespace());
        } finally {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void jsonWithHexIdsIsDecodedAndPartialSuccessAnsweredInJson() throws Exception {
        start(OtlpReceiverOptions.ephemeral());
        String json = """
                {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"ratings"}}]},
                 "scopeSpans":[{"spans":[
                   {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173",
                    "name":"GET /ratings","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000250000000",
                    "attributes":[{"key":"http.response.status_code","value":{"intValue":"200"}}]},
                   {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"0000000000000000","name":"zero-span",
                    "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000000000001"}]}]}]}
                """;

        HttpResponse<byte[]> r = post("/v1/traces", "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8));

        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        ExportTraceServiceResponse.Builder resp = ExportTraceServiceResponse.newBuilder();
        JsonFormat.parser().merge(new String(r.body(), StandardCharsets.UTF_8), resp);
        assertEquals(1, resp.getPartialSuccess().getRejectedSpans());
        assertTrue(resp.getPartialSuccess().getErrorMessage().contains("'zero-span'"));
        assertTrue(resp.getPartialSuccess().getErrorMessage().contains("all zeros"));
        SpanRecord s = sink.spans().getFirst();
        assertEquals("5b8efff798038103d269b633813fc60c", s.traceId());
        assertEquals("eee19b7ec3c1b174", s.spanId());
        assertEquals("eee19b7ec3c1b173", s.parentSpanId());
        assertEquals(SpanKind.SERVER, s.kind());
        assertEquals(250_000_000L, s.durationNanos());
        assertEquals("ratings", s.service().service());
        assertEquals("ratings", s.service().workload(), "no k8s workload attribute: the service name");
        assertEquals(1, sink.spans().size());
    }

    @Test
    void jsonWithBadHexIsBadRequestNamingTheField() throws Exception {
        start(OtlpReceiverOptions.ephemeral());
        String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"x\"}]}]}]}";

        HttpResponse<byte[]> r = post("/v1/traces", "application/json", json.getBytes(StandardCharsets.UTF_8));

        assertEquals(400, r.statusCode());
        com.google.rpc.Status status = jsonStatus(r);
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT.value(), status.getCode());
        assertTrue(status.getMessage().contains("resourceSpans[0].scopeSpans[0].spans[0].traceId"), status.getMessage());
        assertTrue(status.getMessage().contains("not a hex id"), status.getMessage());
        assertTrue(sink.spans().isEmpty());
        assertStillServing();
    }

    @Test
    void malformedProtobufIsBadRequestWithAStatusBody() throws Exception {
        start(OtlpReceiverOptions.ephemeral());

        HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", new byte[] {0x0a, 100, 1, 2});

        assertEquals(400, r.statusCode());
        com.google.rpc.Status status = protoStatus(r);
        assertTrue(status.getMessage().contains("cannot decode the OTLP protobuf body (4 bytes)"), status.getMessage());
        assertEquals(1, receivers.stats().malformedRequests());
        assertStillServing();
    }

    @Test
    void wrongContentTypeMethodAndPathAreRefused() throws Exception {
        start(OtlpReceiverOptions.ephemeral());
        byte[] body = OtlpSamples.traces(new Random(7), 3, NOW).toByteArray();

        HttpResponse<byte[]> text = post("/v1/traces", "text/plain", body);
        assertEquals(415, text.statusCode());
        assertTrue(jsonStatus(text).getMessage().contains("text/plain"));

        HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receivers.httpPort() + "/v1/traces"))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));

        HttpResponse<byte[]> other = post("/v1/profiles", "application/x-protobuf", body);
        assertEquals(404, other.statusCode());
        assertTrue(protoStatus(other).getMessage().contains("/v1/profiles"));
        assertTrue(sink.spans().isEmpty());
        assertStillServing();
    }

    @Test
    void oversizedBodiesAreRefusedEvenWhenGzipHidesTheirSize() throws Exception {
        start(OtlpReceiverOptions.ephemeral().withMaxMessageBytes(64 * 1024));
        ExportTraceServiceRequest big = OtlpSamples.traces(new Random(8), 2000, NOW);

        HttpResponse<byte[]> plain = post("/v1/traces", "application/x-protobuf", big.toByteArray());
        assertEquals(413, plain.statusCode());
        assertTrue(protoStatus(plain).getMessage().contains("65536 bytes"));

        byte[] bomb = gzip(new byte[1 << 20]); // 1 MiB of zeros, about 1 KiB on the wire
        assertTrue(bomb.length < 64 * 1024);
        HttpResponse<byte[]> gz = post("/v1/traces", "application/x-protobuf", bomb, "Content-Encoding", "gzip");
        assertEquals(413, gz.statusCode());
        assertTrue(sink.spans().isEmpty());

        HttpResponse<byte[]> small = post("/v1/traces", "application/x-protobuf", gzip(OtlpSamples.traces(new Random(9), 30, NOW).toByteArray()),
                "Content-Encoding", "gzip");
        assertEquals(200, small.statusCode());
        assertEquals(30, sink.spans().size());
    }

    @Test
    void partialSuccessAndSinkErrorsOverProtobuf() throws Exception {
        start(OtlpReceiverOptions.ephemeral());
        ExportTraceServiceRequest good = OtlpSamples.traces(new Random(10), 3, NOW);
        ExportTraceServiceRequest withBad = good.toBuilder().setResourceSpans(1, good.getResourceSpans(1).toBuilder().setScopeSpans(0,
                good.getResourceSpans(1).getScopeSpans(0).toBuilder().setSpans(0,
                        good.getResourceSpans(1).getScopeSpans(0).getSpans(0).toBuilder().setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[8])))))
                .build();

        HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", withBad.toByteArray());
        assertEquals(200, r.statusCode());
        ExportTraceServiceResponse resp = ExportTraceServiceResponse.parseFrom(r.body());
        assertEquals(1, resp.getPartialSuccess().getRejectedSpans());
        assertTrue(resp.getPartialSuccess().getErrorMessage().contains("trace id has 8 bytes, expected 16"));
        assertEquals(2, sink.spans().size());

        sink.failWith(() -> new SinkOverloadedException("store is compacting"));
        HttpResponse<byte[]> busy = post("/v1/traces", "application/x-protobuf", good.toByteArray());
        assertEquals(503, busy.statusCode());
        assertEquals("1", busy.headers().firstValue("Retry-After").orElse(""));
        sink.failWith(() -> new IllegalStateException("boom"));
        HttpResponse<byte[]> failed = post("/v1/traces", "application/x-protobuf", good.toByteArray());
        assertEquals(500, failed.statusCode());
        assertTrue(protoStatus(failed).getMessage().contains("boom"));
        sink.failWith(null);
        assertStillServing();
    }

    @Test
    void logsInJsonKeepSeverityBodyAndIds() throws Exception {
        start(OtlpReceiverOptions.ephemeral());
        String json = """
                {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"reviews"}},
                   {"key":"service.namespace","value":{"stringValue":"bookinfo"}}]},
                 "scopeLogs":[{"logRecords":[
                   {"timeUnixNano":"1700000000000000000","severityNumber":17,"body":{"stringValue":"upstream connect error"},
                    "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
                    "attributes":[{"key":"http.route","value":{"stringValue":"/reviews/{id}"}}]},
                   {"observedTimeUnixNano":"1700000000000000005","severityText":"warning","body":{"intValue":"42"}},
                   {"timeUnixNano":"1700000000000000009","severityNumber":9,"body":{"stringValue":"bad ids"},"traceId":"abcd"}]}]}]}
                """;

        HttpResponse<byte[]> r = post("/v1/logs", "application/json", json.getBytes(StandardCharsets.UTF_8));

        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("\"rejectedLogRecords\":\"1\""), new String(r.body(), StandardCharsets.UTF_8));
        var logs = sink.logs();
        assertEquals(2, logs.size());
        assertEquals("ERROR", logs.get(0).severity());
        assertEquals("upstream connect error", logs.get(0).body());
        assertEquals("5b8efff798038103d269b633813fc60c", logs.get(0).traceId());
        assertEquals("eee19b7ec3c1b174", logs.get(0).spanId());
        assertEquals("/reviews/{id}", logs.get(0).attributes().get("http.route"));
        assertEquals("reviews", logs.get(0).source().service());
        assertEquals("bookinfo", logs.get(0).source().namespace());
        assertEquals(1_700_000_000_000_000_000L, logs.get(0).epochNanos());
        assertEquals("warning", logs.get(1).severity());
        assertEquals("42", logs.get(1).body());
        assertEquals("", logs.get(1).traceId());
        assertEquals(1_700_000_000_000_000_005L, logs.get(1).epochNanos(), "observed time when the event time is missing");
    }

    @Test
    void istioMetricsOverHttpProtobuf() throws Exception {
        start(OtlpReceiverOptions.ephemeral());
        long started = (System.currentTimeMillis() + 1) * 1_000_000L; // the proxy started after the receiver: counts in full

        HttpResponse<byte[]> r = post("/v1/metrics", "application/x-protobuf",
                OtlpSamples.istioMetrics("proxy-h", 2, 1, started, started + 5_000_000_000L).toByteArray());

        assertEquals(200, r.statusCode());
        assertEquals(io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse.getDefaultInstance(),
                io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse.parseFrom(r.body()));
        assertEquals(2, sink.requestBuckets().size());
        assertEquals(10 + 1, java.util.Arrays.stream(sink.requestBuckets().get(1).counts()).sum(), "10 * round + series % 7");
        assertEquals(12, receivers.stats().metricPointsUnderstood());
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
