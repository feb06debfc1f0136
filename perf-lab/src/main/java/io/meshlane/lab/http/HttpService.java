package io.meshlane.lab.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lab's instrumented HTTP/1.1 service (JDK HttpServer, one virtual thread per request): for
 * each GET it calls every next hop in order over a keep-alive HTTP/1.1 client, then answers 200
 * with a small body, or 500 if a hop failed or the configured error rate says so. One SERVER span
 * per request (parent taken from traceparent), one CLIENT span per hop (traceparent injected), one
 * access-log record per request in the request's trace. Telemetry export happens on the SDK's own
 * threads; a slow or dead receiver costs requests nothing.
 *
 * <p>Like trace context, the request's lane colour ({@link HttpTracing#FORWARDED}: the lane header and
 * W3C {@code baggage}) is copied onto every next hop's request, so a TestLane's colour survives every hop.
 * Every response names the pods that served it, this one first, in {@link #SERVED_BY}
 * ({@code productpage-0 > reviews-0 > ratings-0}), and the colour it was served under.
 */
public final class HttpService implements AutoCloseable {
    private static final Duration HOP_TIMEOUT = Duration.ofSeconds(10);
    /** Response header: the pods that served the request along its call chain, joined by " > ". */
    public static final String SERVED_BY = "x-meshlane-served-by";

    /**
     * What the service does.
     *
     * @param slowEvery every n-th request (counting from 1; 0 = never) waits a further {@code slowMillis}
     */
    public record Behaviour(String service, int port, List<NextHop> calls, int delayMillis, double errorRate,
                            int slowEvery, int slowMillis, String pod) {
        public Behaviour {
            calls = List.copyOf(calls);
            pod = pod == null || pod.isBlank() ? service : pod;
        }

        public Behaviour(String service, int port, List<NextHop> calls, int delayMillis, double errorRate,
                         int slowEvery, int slowMillis) {
            this(service, port, calls, delayMillis, errorRate, slowEvery, slowMillis, service);
        }
    }

    private final Behaviour behaviour;
    private final OpenTelemetry otel;
    private final Tracer tracer;
    private final Logger accessLog;
    private final HttpClient client;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong requests = new AtomicLong();
    /** Requests served per lane colour (the lane header's value; "-" uncoloured): what the lab reports per pod. */
    private final Map<String, LongAdder> served = new ConcurrentHashMap<>();
    private HttpServer server;

    public HttpService(Behaviour behaviour, OpenTelemetry otel) {
        this.behaviour = behaviour;
        this.otel = otel;
        this.tracer = otel.getTracer("io.meshlane.lab.http");
        this.accessLog = otel.getLogsBridge().get("io.meshlane.lab.http.access");
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).executor(executor).build();
    }

    /** Binds 0.0.0.0:port (0 = any free port) and returns the bound port. */
    public int start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("0.0.0.0", behaviour.port()), 1024);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        long n = requests.incrementAndGet();
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        Context parent = HttpTracing.extract(otel, exchange.getRequestHeaders());
        Span span = tracer.spanBuilder(method + " " + path).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(HttpAttributes.METHOD, method).setAttribute(HttpAttributes.ROUTE, path)
                .setAttribute(HttpAttributes.PATH, path).startSpan();
        int status;
        long started = System.nanoTime();
        StringBuilder servedBy = new StringBuilder(behaviour.pod());
        try (Scope ignored = span.makeCurrent()) {
            long delay = behaviour.delayMillis()
                    + (behaviour.slowEvery() > 0 && n % behaviour.slowEvery() == 0 ? behaviour.slowMillis() : 0);
            if (delay > 0) {
                span.setAttribute(HttpAttributes.INJECTED_DELAY, delay);
                Thread.sleep(delay);
            }
            Map<String, String> colour = HttpTracing.forwarded(exchange.getRequestHeaders());
            served.computeIfAbsent(colour.getOrDefault(HttpTracing.FORWARDED.getFirst(), "-"), c -> new LongAdder()).increment();
            colour.forEach((k, v) -> span.setAttribute(HttpAttributes.FORWARDED_PREFIX + k, v));
            status = "GET".equals(method) ? callHops(span, colour, servedBy) : 405;
            if (status == 200 && behaviour.errorRate() > 0 && ThreadLocalRandom.current().nextDouble() < behaviour.errorRate()) {
                status = 500;
                span.setAttribute(HttpAttributes.ERROR_TYPE, "injected");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 503;
        }
        byte[] body = (behaviour.service() + (status == 200 ? " ok\n" : " failed\n")).getBytes(StandardCharsets.UTF_8);
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.getResponseHeaders().set(SERVED_BY, servedBy.toString());
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } finally {
            span.setAttribute(HttpAttributes.STATUS, (long) status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
            logAccess(exchange, span, method, path, status, System.nanoTime() - started);
        }
    }

    /** Calls every hop in order; 200 when all answered 200, else 500 (a failed hop ends the chain). */
    private int callHops(Span server, Map<String, String> colour, StringBuilder servedBy) {
        for (NextHop hop : behaviour.calls()) {
            int status = call(hop, colour, servedBy);
            if (status != 200) {
                server.setAttribute(HttpAttributes.ERROR_TYPE, "next hop " + hop.peerService() + " answered " + status);
                return 500;
            }
        }
        return 200;
    }

    private int call(NextHop hop, Map<String, String> colour, StringBuilder servedBy) {
        // "GET <path>": the hop's path is fixed by the lab file, so it is a low-cardinality url template
        Span span = tracer.spanBuilder("GET " + hop.url().getPath()).setSpanKind(SpanKind.CLIENT)
                .setAttribute(HttpAttributes.METHOD, "GET").setAttribute(HttpAttributes.PEER_SERVICE, hop.peerService())
                .setAttribute(HttpAttributes.SERVER_ADDRESS, hop.url().getHost())
                .setAttribute(HttpAttributes.SERVER_PORT, (long) hop.port())
                .setAttribute(HttpAttributes.FULL_URL, hop.url().toString()).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(hop.url()).timeout(HOP_TIMEOUT).GET();
            HttpTracing.inject(otel, Context.current(), request);
            colour.forEach(request::setHeader);
            HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            servedBy.append(" > ").append(response.headers().firstValue(SERVED_BY).orElse(hop.peerService() + "?"));
            span.setAttribute(HttpAttributes.STATUS, (long) response.statusCode());
            if (response.statusCode() >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            return response.statusCode();
        } catch (IOException e) {
            span.setStatus(StatusCode.ERROR, e.toString());
            span.setAttribute(HttpAttributes.ERROR_TYPE, e.getClass().getName());
            return 502;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            span.setStatus(StatusCode.ERROR, "interrupted");
            return 503;
        } finally {
            span.end();
        }
    }

    private void logAccess(HttpExchange exchange, Span span, String method, String path, int status, long nanos) {
        String peer = exchange.getRemoteAddress() == null ? "-" : exchange.getRemoteAddress().getAddress().getHostAddress();
        accessLog.logRecordBuilder()
                .setContext(Context.root().with(span))
                .setSeverity(status >= 500 ? Severity.ERROR : Severity.INFO)
                .setBody(peer + " \"" + method + " " + path + " HTTP/1.1\" " + status + " " + (nanos / 1000) + "us")
                .setAttribute(HttpAttributes.METHOD, method).setAttribute(HttpAttributes.PATH, path)
                .setAttribute(HttpAttributes.STATUS, (long) status)
                .emit();
    }

    /** Requests served so far per lane colour ("-" for uncoloured), sorted by colour. */
    public Map<String, Long> served() {
        Map<String, Long> out = new java.util.TreeMap<>();
        served.forEach((colour, n) -> out.put(colour, n.sum()));
        return out;
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        client.close();
        executor.shutdownNow();
    }
}
