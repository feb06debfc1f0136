package io.meshlane.control.telemetry.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.meshlane.control.identity.JoinToken;
import io.meshlane.control.identity.JoinTokens;
import io.meshlane.control.identity.Revocations;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.server.MeshControl;
import io.meshlane.control.server.MeshControlOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.testing.CaTrust;
import io.meshlane.control.testing.NodeClients;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OTLP as a user meets it on a started control plane: TLS from mesh-control's CA, a telemetry token
 * (or an agent's certificate) that decides the cluster, and refusals for everything else. Clients
 * are the OpenTelemetry SDK's own OTLP/HTTP exporter, the JDK's HTTP client and grpc-java stubs
 * (the SDK's OTLP/gRPC exporter needs an OkHttp or grpc sender this build does not carry).
 */
class OtlpCredentialsTest {

    static Path dir;
    static MeshControl mesh;
    static final List<String> LOG = new CopyOnWriteArrayList<>();
    static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            LOG.add(r.getLoggerName() + " " + r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() throws Exception {
        Logger.getLogger("").addHandler(CAPTURE);
        dir = Files.createTempDirectory("meshlane-otlp-credentials");
        mesh = MeshControl.start(MeshControlOptions.of(ControlPlaneOptions.defaults().withDataDir(dir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster("home"))).withPorts(0, 0));
    }

    @AfterAll
    static void stop() {
        mesh.close();
        Logger.getLogger("").removeHandler(CAPTURE);
    }

    @Test
    void theSdkExporterWithATelemetryTokenIsStoredUnderTheTokensCluster() {
        String token = telemetryToken("east", Duration.ofHours(1));
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint("https://127.0.0.1:" + mesh.plane().telemetry().otlpHttpPort() + "/v1/traces")
                .setTrustedCertificates(caPem()).addHeader("Authorization", "Bearer " + token).build();
        Resource resource = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "reviews",
                AttributeKey.stringKey("k8s.namespace.name"), "bookinfo"));
        SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource).addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
        try {
            Span first = provider.get("test").spanBuilder("GET /reviews").startSpan();
            first.end();
            Span second = provider.get("test").spanBuilder("GET /reviews/2").startSpan();
            second.end();
            assertTrue(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess(), "the SDK's export over TLS with the token succeeded");

            // the token is multi-use until its TTL: both exports are stored, under the token's cluster
            for (Span s : List.of(first, second)) {
                List<SpanRecord> stored = stored(s.getSpanContext().getTraceId()).orElseThrow();
                assertEquals("east", stored.get(0).service().cluster());
                assertEquals("bookinfo", stored.get(0).service().namespace());
            }
        } finally {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutAValidTelemetryTokenHttpAnswers401AndGrpcUnauthenticated() throws Exception {
        ExportTraceServiceRequest request = OtlpSamples.traces(new Random(21), 3, System.currentTimeMillis() * 1_000_000L);
        String traceId = OtlpIds.hex(request.getResourceSpans(0).getScopeSpans(0).getSpans(0).getTraceId());
        String expired = telemetryToken("east", Duration.ofMillis(300));
        String agentScope = new JoinTokens(dir).create("east", Duration.ofHours(1), JoinToken.Scope.agent);
        Thread.sleep(400);

        HttpResponse<String> none = post(request.toByteArray(), null);
        assertEquals(401, none.statusCode());
        assertTrue(none.body().contains("--scope telemetry"), none.body());
        for (String bad : List.of("Bearer 0123abcd.00000000000000000000000000000000", "Bearer " + expired, "Bearer " + agentScope, "Basic eDp5")) {
            assertEquals(401, post(request.toByteArray(), bad).statusCode(), bad);
        }
        ManagedChannel channel = grpcChannel(null);
        try {
            for (String bad : new String[] {null, "Bearer " + expired}) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> traces(channel, bad).export(request));
                assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            }
        } finally {
            channel.shutdownNow();
        }
        assertTrue(stored(traceId).isEmpty(), "nothing refused was stored");
        // plaintext HTTP to the TLS port is never accepted
        try {
            int code = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + mesh.plane().telemetry().otlpHttpPort() + "/v1/traces")).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
            assertFalse(code >= 200 && code < 300, "plaintext got " + code);
        } catch (java.io.IOException expected) {
            // the TLS layer closed the connection
        }
    }

    @Test
    void aPayloadClaimingAnotherClusterIsRefused403AndNothingIsStored() throws Exception {
        String token = telemetryToken("east", Duration.ofHours(1));
        ExportTraceServiceRequest sample = OtlpSamples.traces(new Random(22), 3, System.currentTimeMillis() * 1_000_000L);
        ExportTraceServiceRequest asWest = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(OtlpSamples.resource("reviews", "bookinfo", "reviews-v1", "west"))
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(sample.getResourceSpans(0).getScopeSpans(0).getSpans(0)))).build();
        String traceId = OtlpIds.hex(asWest.getResourceSpans(0).getScopeSpans(0).getSpans(0).getTraceId());

        HttpResponse<String> refused = post(asWest.toByteArray(), "Bearer " + token);
        assertEquals(403, refused.statusCode());
        assertTrue(refused.body().contains("k8s.cluster.name=west"), refused.body());
        ManagedChannel channel = grpcChannel(null);
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> traces(channel, "Bearer " + token).export(asWest));
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        } finally {
            channel.shutdownNow();
        }
        assertTrue(stored(traceId).isEmpty());

        // an Istio metric whose reporting side names another cluster is refused the same way
        ExportMetricsServiceRequest metric = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("istio_requests_total")
                        .setSum(Sum.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setAsInt(1)
                                .addAttributes(OtlpSamples.attr("reporter", "source"))
                                .addAttributes(OtlpSamples.attr("source_canonical_service", "productpage"))
                                .addAttributes(OtlpSamples.attr("source_cluster", "west"))))))).build();
        HttpResponse<String> m = HttpClient.newBuilder().sslContext(CaTrust.of(mesh.plane().caCertificate())).build().send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + mesh.plane().telemetry().otlpHttpPort() + "/v1/metrics"))
                .header("Content-Type", "application/x-protobuf").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(metric.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, m.statusCode(), m.body());
        assertTrue(m.body().contains("source_cluster=west"), m.body());
    }

    @Test
    void anAgentCertificateWritesAsItsOwnClusterUntilTheNodeIsRevoked() throws Exception {
        NodeClients.Enrolled node = new NodeClients(dir, mesh.agents().port()).join("west", "node-7");
        ManagedChannel channel = grpcChannel(node);
        try {
            ExportTraceServiceRequest request = OtlpSamples.traces(new Random(23), 3, System.currentTimeMillis() * 1_000_000L);
            ExportTraceServiceRequest unlabelled = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                    .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(OtlpSamples.attr("service.name", "ratings")))
                    .addScopeSpans(request.getResourceSpans(0).getScopeSpans(0))).build();
            traces(channel, null).export(unlabelled);
            String traceId = OtlpIds.hex(unlabelled.getResourceSpans(0).getScopeSpans(0).getSpans(0).getTraceId());
            assertEquals("west", stored(traceId).orElseThrow().get(0).service().cluster());

            new Revocations(dir).revoke(Optional.of("west"), "node-7");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> traces(channel, null).export(request));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("revoked"), e.getMessage());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void plaintextOtlpIsOnlyForLoopback() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OtlpReceiverOptions("0.0.0.0", 0, 0, 1024, null, 10));
        assertTrue(e.getMessage().contains("only on loopback"), e.getMessage());
    }

    @Test
    void noTokenReachesTheLog() throws Exception {
        String token = telemetryToken("east", Duration.ofHours(1));
        String wrong = "0123abcd.ffffffffffffffffffffffffffffffff";
        post(OtlpSamples.traces(new Random(24), 2, System.currentTimeMillis() * 1_000_000L).toByteArray(), "Bearer " + token);
        post(new byte[] {1, 2, 3}, "Bearer " + token);
        post(new byte[] {1, 2, 3}, "Bearer " + wrong);
        assertTrue(LOG.stream().anyMatch(l -> l.contains("OTLP/HTTP receiving")), "the log was captured: " + LOG);
        String secret = token.substring(token.indexOf('.') + 1);
        assertFalse(LOG.stream().anyMatch(l -> l.contains(secret) || l.contains("ffffffffffffffffffffffff")), String.join("\n", LOG));
        assertFalse(LOG.stream().anyMatch(l -> l.contains(mesh.plane().token())), "the API token is not logged either");
    }

    private static String telemetryToken(String cluster, Duration ttl) {
        return new JoinTokens(dir).create(cluster, ttl, JoinToken.Scope.telemetry);
    }

    private static Optional<List<SpanRecord>> stored(String traceId) {
        return mesh.plane().telemetry().store().trace(traceId);
    }

    private static byte[] caPem() {
        try {
            return Files.readAllBytes(mesh.plane().caCertificate());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> post(byte[] body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + mesh.plane().telemetry().otlpHttpPort() + "/v1/traces"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HttpClient.newBuilder().sslContext(CaTrust.of(mesh.plane().caCertificate())).build().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ManagedChannel grpcChannel(NodeClients.Enrolled node) throws Exception {
        return new NodeClients(dir, mesh.plane().telemetry().otlpGrpcPort()).channel(node);
    }

    private static TraceServiceGrpc.TraceServiceBlockingStub traces(ManagedChannel channel, String authorization) {
        TraceServiceGrpc.TraceServiceBlockingStub stub = TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        if (authorization == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
