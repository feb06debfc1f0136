package io.meshlane.control.telemetry.scrape;

import io.meshlane.control.telemetry.istio.IstioMetrics;
import io.meshlane.control.telemetry.istio.IstioMetricsResult;
import io.meshlane.control.telemetry.otlp.BatchSink;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Scrapes listed Prometheus targets every interval, maps Istio's metrics to request and TCP deltas (per
 * target and series) and hands them to the sink. A target that fails is logged when its state changes
 * (not on every attempt), counted, and tried again at the next interval; nothing a target sends can stop
 * the scraper.
 *
 * <pre>{@code
 * PrometheusScraper s = PrometheusScraper.start(List.of(URI.create("http://10.0.0.5:15090/stats/prometheus")),
 *         Duration.ofSeconds(15), store::accept);
 * }</pre>
 */
public final class PrometheusScraper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PrometheusScraper.class.getName());
    private static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

    private final List<URI> targets;
    private final Duration timeout;
    private final BatchSink sink;
    private final IstioMetrics istio;
    private final HttpClient http;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("prometheus-scrape").unstarted(r));
    private final Map<URI, String> lastProblem = new ConcurrentHashMap<>();
    private final LongAdder scrapes = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder samples = new LongAdder();
    private final LongAdder badLines = new LongAdder();
    private final LongAdder understood = new LongAdder();
    private final LongAdder notUnderstood = new LongAdder();
    private final LongAdder sinkFailures = new LongAdder();

    PrometheusScraper(List<URI> targets, Duration interval, BatchSink sink, int maxSeries) {
        this.targets = List.copyOf(targets);
        // a slow target may use the interval, but no less than 2 s (connection set-up) and no more than 10 s
        this.timeout = interval.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2)
                : interval.compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : interval;
        this.sink = Objects.requireNonNull(sink);
        this.istio = new IstioMetrics(maxSeries);
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** Scrapes {@code targets} now and then every {@code interval}. */
    public static PrometheusScraper start(List<URI> targets, Duration interval, BatchSink sink) {
        return start(targets, interval, sink, () -> true);
    }

    /** As above, skipping each round while {@code when} is false (a replica that does not lead). */
    public static PrometheusScraper start(List<URI> targets, Duration interval, BatchSink sink, java.util.function.BooleanSupplier when) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("the scrape interval must be positive, got " + interval);
        }
        PrometheusScraper s = new PrometheusScraper(targets, interval, sink, 100_000);
        s.timer.scheduleWithFixedDelay(() -> {
            if (when.getAsBoolean()) {
                s.scrapeAll();
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return s;
    }

    public ScrapeStats stats() {
        int down = (int) lastProblem.values().stream().filter(p -> !p.isEmpty()).count();
        return new ScrapeStats(scrapes.sum(), failed.sum(), samples.sum(), badLines.sum(), understood.sum(), notUnderstood.sum(),
                down, sinkFailures.sum());
    }

    void scrapeAll() {
        for (URI target : targets) {
            try {
                scrape(target);
            } catch (RuntimeException e) {
                // the timer thread must survive anything a target or the sink does
                failed.increment();
                state(target, "scrape failed: " + e);
            }
        }
    }

    private void scrape(URI target) {
        scrapes.increment();
        long now = System.currentTimeMillis();
        String body;
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(target).timeout(timeout)
                    .header("Accept", "text/plain;version=0.0.4").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                failed.increment();
                state(target, "answered HTTP " + r.statusCode());
                return;
            }
            if (r.body().length > MAX_BODY_BYTES) {
                failed.increment();
                state(target, "sent " + r.body().length + " bytes, more than the " + MAX_BODY_BYTES + " a scrape may have");
                return;
            }
            body = new String(r.body(), StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            failed.increment();
            state(target, "unreachable: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
            return;
        }
        Exposition ex = PrometheusTextParser.parse(body);
        samples.add(ex.samples().size());
        badLines.add(ex.badLines());
        IstioMetricsResult m = istio.map(ScrapeMapping.points("scrape:" + target, ex, now));
        understood.add(m.understood());
        notUnderstood.add(m.notUnderstood());
        String problem = ex.badLines() > 0 ? ex.badLines() + " unreadable lines, first " + ex.firstError() : "";
        if (m.rejected() > 0) {
            problem += (problem.isEmpty() ? "" : "; ") + m.rejected() + " malformed Istio points, first: " + m.firstRejection();
        }
        state(target, problem.isEmpty() ? "" : "up, but " + problem);
        TelemetryBatch batch = new TelemetryBatch(List.of(), m.requests(), m.tcp(), List.of(), List.of());
        if (batch.size() > 0) {
            try {
                sink.accept(batch);
            } catch (RuntimeException e) {
                sinkFailures.increment();
                LOG.log(Level.WARNING, "the telemetry store did not take " + batch.size() + " samples scraped from " + target
                        + "; they are lost: " + e.getMessage());
            }
        }
    }

    /** Logs a target's state only when it changes ("" = healthy). */
    private void state(URI target, String problem) {
        String before = lastProblem.put(target, problem);
        if (Objects.equals(before, problem) || (before == null && problem.isEmpty())) {
            return;
        }
        if (problem.isEmpty()) {
            LOG.info("scrape target " + target + " is healthy again");
        } else {
            LOG.warning("scrape target " + target + " " + problem + "; retrying every interval");
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        http.close();
    }
}
