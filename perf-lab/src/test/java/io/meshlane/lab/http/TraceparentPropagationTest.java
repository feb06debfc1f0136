package io.meshlane.lab.http;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two HTTP services on loopback (reviews → ratings): the caller's traceparent reaches the last hop. */
class TraceparentPropagationTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";
    private final List<SpanData> finished = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    private OpenTelemetrySdk sdk() {
        SpanExporter collect = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                finished.addAll(spans);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(collect)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        closing.add(sdk);
        return sdk;
    }

    private int start(HttpService.Behaviour behaviour) throws Exception {
        HttpService service = new HttpService(behaviour, sdk());
        closing.add(service);
        return service.start();
    }

    /** A server span ends just after its response is written, so the caller may see the answer first: wait for it. */
    private SpanData only(SpanKind kind, String name) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        List<SpanData> match = List.of();
        while (System.nanoTime() < deadline) {
            match = finished.stream().filter(s -> s.getKind() == kind && s.getName().equals(name)).toList();
            if (!match.isEmpty()) {
                break;
            }
            Thread.sleep(10);
        }
        assertEquals(1, match.size(), kind + " " + name + " in " + finished);
        return match.getFirst();
    }

    private HttpResponse<String> get(int port, String path, String traceparent) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
            if (traceparent != null) {
                b.header("traceparent", traceparent);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void callerTraceReachesEveryHopWithTheRightParents() throws Exception {
        int ratings = start(new HttpService.Behaviour("ratings", 0, List.of(), 0, 0, 0, 0));
        int reviews = start(new HttpService.Behaviour("reviews", 0,
                List.of(new NextHop(URI.create("http://127.0.0.1:" + ratings + "/ratings"), "ratings")), 0, 0, 0, 0));
        HttpResponse<String> response = get(reviews, "/reviews", "00-" + TRACE + "-" + PARENT + "-01");
        assertEquals(200, response.statusCode());
        assertEquals("reviews ok\n", response.body());

        SpanData reviewsServer = only(SpanKind.SERVER, "GET /reviews");
        SpanData reviewsClient = only(SpanKind.CLIENT, "GET /ratings");
        SpanData ratingsServer = only(SpanKind.SERVER, "GET /ratings");
        assertEquals(TRACE, reviewsServer.getTraceId());
        assertEquals(PARENT, reviewsServer.getParentSpanId(), "the server span continues the caller's span");
        assertTrue(reviewsServer.getParentSpanContext().isRemote());
        assertEquals(reviewsServer.getSpanId(), reviewsClient.getParentSpanId());
        assertEquals(TRACE, ratingsServer.getTraceId(), "traceparent was injected into the next hop's request");
        assertEquals(reviewsClient.getSpanId(), ratingsServer.getParentSpanId());
        assertEquals("ratings", reviewsClient.getAttributes().get(HttpAttributes.PEER_SERVICE));
        assertEquals(200L, reviewsClient.getAttributes().get(HttpAttributes.STATUS));
        assertEquals((long) ratings, reviewsClient.getAttributes().get(HttpAttributes.SERVER_PORT));
        assertEquals("/reviews", reviewsServer.getAttributes().get(HttpAttributes.ROUTE));
    }

    @Test
    void withoutTraceparentTheServerStartsANewTrace() throws Exception {
        int ratings = start(new HttpService.Behaviour("ratings", 0, List.of(), 0, 0, 0, 0));
        assertEquals(200, get(ratings, "/ratings", null).statusCode());
        SpanData server = only(SpanKind.SERVER, "GET /ratings");
        assertNotEquals(TRACE, server.getTraceId());
        assertTrue(!server.getParentSpanContext().isValid(), "a root span");
    }

    @Test
    void aFailedNextHopMakesTheCallerAnswer500AndMarksTheClientSpan() throws Exception {
        int failing = start(new HttpService.Behaviour("ratings", 0, List.of(), 0, 1.0, 0, 0));
        int reviews = start(new HttpService.Behaviour("reviews", 0,
                List.of(new NextHop(URI.create("http://127.0.0.1:" + failing + "/ratings"), "ratings")), 0, 0, 0, 0));
        assertEquals(500, get(reviews, "/reviews", "00-" + TRACE + "-" + PARENT + "-01").statusCode());
        assertEquals(500L, only(SpanKind.CLIENT, "GET /ratings").getAttributes().get(HttpAttributes.STATUS));
        assertEquals(500L, only(SpanKind.SERVER, "GET /reviews").getAttributes().get(HttpAttributes.STATUS));
    }
}
