package io.meshlane.lab.http;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop HTTP/1.1 GETs at a fixed rate: request i is due at start + i/rate whatever happened to
 * the earlier ones, and its latency counts from that due time (as wrk2 does), so a stall shows up
 * in the percentiles instead of silently lowering the rate. Each request is a CLIENT span (the
 * root of its trace) with traceparent injected, so the caller → entry service edge exists; the
 * span runs from the same due time to the same completion reading as the histogram's latency, so
 * a stalled client looks the same in its traces as in its percentiles.
 * {@value #WARMUP_REQUESTS} sequential requests precede the run, neither measured nor sampled: they
 * carry a traceparent with the sampled flag off, so no service records them and the control plane's
 * view of this client's edge holds exactly the requests the client-side histogram holds.
 */
public final class HttpLoadClient implements AutoCloseable {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Unmeasured requests first: a fresh JVM's first requests (class loading, JIT, connect) are not the path's latency. */
    static final int WARMUP_REQUESTS = 100;

    private final OpenTelemetry otel;
    private final Tracer tracer;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client;

    public HttpLoadClient(OpenTelemetry otel) {
        this.otel = otel;
        this.tracer = otel.getTracer("io.meshlane.lab.http.load");
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).executor(executor).build();
    }

    public LatencySummary run(URI url, String peerService, int rate, Duration duration) {
        if (rate <= 0 || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("rate and duration must be positive, got " + rate + "/s for " + duration);
        }
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong errors = new AtomicLong();
        for (int i = 0; i < WARMUP_REQUESTS; i++) {
            warmUp(url);
        }
        long total = Math.max(1, duration.toNanos() * rate / 1_000_000_000L);
        long interval = 1_000_000_000L / rate;
        CompletableFuture<?>[] pending = new CompletableFuture<?>[(int) total];
        long start = System.nanoTime() + 1_000_000;
        long epochOffset = epochNanos() - System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            pending[i] = send(url, peerService, due, epochOffset, histogram, errors);
        }
        CompletableFuture.allOf(pending).orTimeout(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)
                .exceptionally(t -> null).join();
        long unanswered = java.util.Arrays.stream(pending).filter(f -> !f.isDone()).count();
        synchronized (histogram) {
            return LatencySummary.of(url.toString(), rate, duration.toMillis(), histogram, errors.get() + unanswered);
        }
    }

    private void warmUp(URI url) {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        SpanContext unsampled = SpanContext.create(TraceId.fromLongs(random.nextLong() | 1, random.nextLong()),
                SpanId.fromLong(random.nextLong() | 1), TraceFlags.getDefault(), TraceState.getDefault());
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT).GET();
        HttpTracing.inject(otel, Context.root().with(Span.wrap(unsampled)), request);
        client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
                .orTimeout(REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS).exceptionally(t -> null).join();
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private CompletableFuture<?> send(URI url, String peerService, long due, long epochOffset, Histogram histogram,
                                      AtomicLong errors) {
        Span span = tracer.spanBuilder("GET " + url.getPath()).setSpanKind(SpanKind.CLIENT).setNoParent()
                .setStartTimestamp(due + epochOffset, TimeUnit.NANOSECONDS)
                .setAttribute(HttpAttributes.METHOD, "GET").setAttribute(HttpAttributes.PEER_SERVICE, peerService)
                .setAttribute(HttpAttributes.SERVER_ADDRESS, url.getHost())
                .setAttribute(HttpAttributes.SERVER_PORT, (long) url.getPort())
                .setAttribute(HttpAttributes.FULL_URL, url.toString()).startSpan();
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT).GET();
        HttpTracing.inject(otel, Context.root().with(span), request);
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            long completed = System.nanoTime();
            long latency = completed - due;
            if (failure != null) {
                errors.incrementAndGet();
                span.setStatus(StatusCode.ERROR, failure.toString());
            } else {
                synchronized (histogram) {
                    histogram.recordValue(Math.min(latency, histogram.getHighestTrackableValue()));
                }
                span.setAttribute(HttpAttributes.STATUS, (long) response.statusCode());
                if (response.statusCode() >= 500) {
                    errors.incrementAndGet();
                    span.setStatus(StatusCode.ERROR);
                }
            }
            span.end(completed + epochOffset, TimeUnit.NANOSECONDS);
        });
    }

    @Override
    public void close() {
        client.close();
        executor.shutdownNow();
    }
}
