package io.meshlane.control.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshlane.control.identity.JoinToken;
import io.meshlane.control.identity.JoinTokens;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.telemetry.store.TraceQuery;
import io.meshlane.control.testing.CaTrust;
import io.meshlane.control.testing.RawGrpc;
import io.meshlane.control.testing.TempDirs;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import com.google.protobuf.ByteString;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hostile OTLP/HTTP requests and OTLP/gRPC calls against a started control plane (TLS, a valid telemetry token, so the
 * attack reaches the decoder): each is answered with a clear error in bounded time, a well-behaved
 * exporter is served meanwhile, no refused span is stored, and the heap does not keep what was sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileOtlpInputTest {

    private static final long MB = 1024 * 1024;

    private Path dataDir;
    private ControlPlane plane;
    private HttpClient http;
    private String token;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-hostile-otlp");
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withPorts(0, 0)));
        token = new JoinTokens(dataDir).create("east", Duration.ofHours(1), JoinToken.Scope.telemetry);
        http = HttpClient.newBuilder().sslContext(CaTrust.of(plane.caCertificate())).build();
    }

    @AfterAll
    void stop() {
        plane.close();
        TempDirs.delete(dataDir);
    }

    private HttpResponse<String> post(HttpRequest.BodyPublisher body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + plane.telemetry().otlpHttpPort() + "/v1/traces"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/x-protobuf")
                    .header("Authorization", "Bearer " + token).POST(body).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int storedTraces() {
        return plane.telemetry().store().searchTraces(new TraceQuery("", "", 0, false, Instant.now().minusSeconds(3600),
                Instant.now().plusSeconds(60), 10_000)).size();
    }

    private HttpResponse<String> refused(String what, int expectedCode, Supplier<HttpResponse<String>> attack) throws Exception {
        int traces = storedTraces();
        CompletableFuture<List<Integer>> bystander = CompletableFuture.supplyAsync(() -> {
            List<Integer> codes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                codes.add(post(HttpRequest.BodyPublishers.ofByteArray(ExportTraceServiceRequest.getDefaultInstance().toByteArray())).statusCode());
            }
            return codes;
        });
        long start = System.nanoTime();
        HttpResponse<String> r = attack.get();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(expectedCode, r.statusCode(), what + ": " + r.body());
        assertTrue(r.body().length() < 64 * 1024, what + ": the answer is bounded");
        assertEquals(List.of(200, 200, 200, 200, 200), bystander.get(60, TimeUnit.SECONDS), what + ": another exporter is served meanwhile");
        assertEquals(traces, storedTraces(), what + ": nothing stored changes");
        assertTrue(millis < 30_000, what + " took " + millis + " ms");
        System.out.printf("%s -> %d in %d ms: %s%n", what, r.statusCode(), millis, r.body().length() > 300 ? r.body().substring(0, 300) : r.body());
        return r;
    }

    @Test
    void everyHostileOtlpRequestGetsAClearErrorAndLeavesNothingBehind() throws Exception {
        long heapBefore = heapAfterGc();

        byte[] garbage = new byte[4096];
        new java.util.Random(5).nextBytes(garbage);
        garbage[0] = (byte) 0xFF; // an invalid tag: never a valid message
        HttpResponse<String> malformed = refused("malformed protobuf", 400, () -> post(HttpRequest.BodyPublishers.ofByteArray(garbage)));
        assertTrue(malformed.body().contains("cannot decode"), malformed.body());

        byte[] wide = wideSpan().toByteArray();
        // OTLP's way to refuse part of a request: 200 with partial success naming the span and the reason
        HttpResponse<String> attributes = refused("100,000 attributes on one span (" + wide.length / 1024 + " KiB)", 200,
                () -> post(HttpRequest.BodyPublishers.ofByteArray(wide)));
        assertTrue(attributes.body().contains("100000 attributes"), attributes.body());

        HttpResponse<String> huge = refused("64 MB request", 413, () -> post(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> new Zeros(64 * MB)), 64 * MB)));
        assertTrue(huge.body().contains("limit"), huge.body());

        long heapAfter = heapAfterGc();
        System.out.printf("heap after GC: before %d MB, after %d MB%n", heapBefore / MB, heapAfter / MB);
        assertTrue(heapAfter < heapBefore + 64 * MB, "the heap keeps what the attacks sent: " + heapBefore / MB + " MB before, "
                + heapAfter / MB + " MB after");
    }

    /** One span with 100,000 attributes. */
    private static ExportTraceServiceRequest wideSpan() {
        Span.Builder span = Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
                .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})).setName("wide")
                .setStartTimeUnixNano(System.currentTimeMillis() * 1_000_000L).setEndTimeUnixNano(System.currentTimeMillis() * 1_000_000L + 1);
        for (int i = 0; i < 100_000; i++) {
            span.addAttributes(KeyValue.newBuilder().setKey("k" + i).setValue(AnyValue.newBuilder().setStringValue("v")));
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
    }

    @Test
    void everyHostileOtlpGrpcCallGetsAClearStatusAndLeavesNothingBehind() throws Exception {
        ManagedChannel tls = NettyChannelBuilder.forAddress("127.0.0.1", plane.telemetry().otlpGrpcPort())
                .sslContext(GrpcSslContexts.forClient().trustManager(plane.caCertificate().toFile()).build()).build();
        try {
            Metadata bearer = new Metadata();
            bearer.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            Channel authorised = ClientInterceptors.intercept(tls, MetadataUtils.newAttachHeadersInterceptor(bearer));
            TraceServiceGrpc.TraceServiceBlockingStub exporter = TraceServiceGrpc.newBlockingStub(authorised)
                    .withDeadlineAfter(30, TimeUnit.SECONDS);
            exporter.export(ExportTraceServiceRequest.getDefaultInstance());
            int traces = storedTraces();
            long heapBefore = heapAfterGc();
            String export = TraceServiceGrpc.getExportMethod().getFullMethodName();

            byte[] garbage = new byte[4096];
            new java.util.Random(5).nextBytes(garbage);
            garbage[0] = (byte) 0xFF;
            StatusRuntimeException malformed = assertThrows(StatusRuntimeException.class, () -> RawGrpc.call(authorised, export, garbage));
            assertEquals(Status.Code.INVALID_ARGUMENT, malformed.getStatus().getCode(), malformed.getStatus().toString());
            assertTrue(malformed.getStatus().getDescription().contains("cannot decode"), malformed.getStatus().toString());

            StatusRuntimeException huge = assertThrows(StatusRuntimeException.class,
                    () -> RawGrpc.call(authorised, export, new byte[(int) (64 * MB)]));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, huge.getStatus().getCode(), "a 64 MB call: " + huge.getStatus());

            var partial = exporter.export(wideSpan()).getPartialSuccess();
            assertEquals(1, partial.getRejectedSpans(), "the span with 100,000 attributes is refused, the call answered");
            assertTrue(partial.getErrorMessage().contains("100000 attributes"), partial.getErrorMessage());

            StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class,
                    () -> TraceServiceGrpc.newBlockingStub(tls).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .export(ExportTraceServiceRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode(), anonymous.getStatus().toString());

            exporter.export(ExportTraceServiceRequest.getDefaultInstance());
            assertEquals(traces, storedTraces(), "nothing stored changes, and a well-behaved exporter is still served");
            long heapAfter = heapAfterGc();
            assertTrue(heapAfter < heapBefore + 64 * MB, "the heap keeps what the calls sent: " + heapBefore / MB + " MB before, "
                    + heapAfter / MB + " MB after");
        } finally {
            tls.shutdownNow();
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** {@code n} zero bytes, generated as read. */
    private static final class Zeros extends InputStream {
        private long left;

        Zeros(long n) {
            left = n;
        }

        @Override
        public int read() {
            return left-- > 0 ? 0 : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}
