package io.meshlane.control.telemetry.store;

import static io.meshlane.control.telemetry.store.Signals.hex;
import static io.meshlane.control.telemetry.store.Signals.log;
import static io.meshlane.control.telemetry.store.Signals.peer;
import static io.meshlane.control.telemetry.store.Signals.request;
import static io.meshlane.control.telemetry.store.Signals.requests;
import static io.meshlane.control.telemetry.store.Signals.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TcpSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TelemetryStoreTest {

    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);

    private TelemetryStore store(long budget, int maxSeries) {
        return new TelemetryStore(new TelemetryConfig(budget, maxSeries, Duration.ofSeconds(10), "c1"), clock);
    }

    private static SeriesTotals find(AggregateSnapshot s, SeriesKind kind, String src, String dst) {
        return s.of(kind).stream()
                .filter(t -> (src == null || SeriesKey.nodeId(t.key().source(), kind == SeriesKind.WORKLOAD_EDGE).equals(src))
                        && SeriesKey.nodeId(t.key().destination(), kind == SeriesKind.WORKLOAD_EDGE
                                || kind == SeriesKind.WORKLOAD).equals(dst))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + src + " -> " + dst + " in "
                        + s.of(kind).stream().map(SeriesTotals::key).toList()));
    }

    @Test
    void oldSlotsLeaveTheSlidingWindow() {
        TelemetryStore store = store(64L << 20, 1000);
        Peer web = peer("", "shop", "web");
        Peer api = peer("", "shop", "api");
        store.accept(requests(List.of(request(web, api, "GET /items", 1500, false, clock.millis()))));
        clock.advance(Duration.ofMinutes(2));
        store.accept(requests(List.of(request(web, api, "GET /items", 2500, true, clock.millis()))));
        Instant now = clock.instant();
        SeriesTotals api5m = find(store.snapshot(now.minus(Duration.ofMinutes(5)), now), SeriesKind.SERVICE, null, "c1/shop/api");
        assertEquals(2, api5m.requests());
        assertEquals(1, api5m.errors());
        assertEquals(List.of("api-v1"), api5m.workloads());

        clock.advance(Duration.ofMinutes(4));
        now = clock.instant();
        SeriesTotals later = find(store.snapshot(now.minus(Duration.ofMinutes(5)), now), SeriesKind.SERVICE, null, "c1/shop/api");
        assertEquals(1, later.requests(), "the request from 6 minutes ago left the 5 minute window");
        assertEquals(2500, later.latency().maxMicros());

        clock.advance(Duration.ofMinutes(3));
        now = clock.instant();
        assertTrue(store.snapshot(now.minus(Duration.ofMinutes(5)), now).series().isEmpty());
    }

    /** productpage (root SERVER) → reviews → ratings, with CLIENT spans between them. */
    private static List<SpanRecord> chain(String trace, long startNanos, long ratingsMicros, boolean ratingsError) {
        Peer productpage = peer("", "bookinfo", "productpage");
        Peer reviews = peer("", "bookinfo", "reviews");
        Peer ratings = peer("", "bookinfo", "ratings");
        long ms = 1_000_000L;
        return List.of(
                span(trace, "a000000000000001", "", SpanKind.SERVER, productpage, "", "GET /productpage", startNanos,
                        ratingsMicros + 9_000, false),
                span(trace, "a000000000000002", "a000000000000001", SpanKind.CLIENT, productpage,
                        "reviews.bookinfo.svc.cluster.local:9080", "GET", startNanos + ms, ratingsMicros + 6_000, false),
                span(trace, "a000000000000003", "a000000000000002", SpanKind.SERVER, reviews, "", "GET /reviews",
                        startNanos + 2 * ms, ratingsMicros + 4_000, false),
                span(trace, "a000000000000004", "a000000000000003", SpanKind.CLIENT, reviews, "ratings", "GET",
                        startNanos + 3 * ms, ratingsMicros + 1_000, ratingsError),
                span(trace, "a000000000000005", "a000000000000004", SpanKind.SERVER, ratings, "", "GET /ratings",
                        startNanos + 4 * ms, ratingsMicros, ratingsError));
    }

    @Test
    void spansOfAThreeServiceChainGiveTheThreeEdgesOnceEach() {
        TelemetryStore store = store(64L << 20, 1000);
        int traces = 50;
        for (int i = 0; i < traces; i++) {
            List<SpanRecord> spans = new ArrayList<>(chain(hex(i + 1, 32), clock.millis() * 1_000_000L, 1000 + i, false));
            // Order of arrival must not matter: servers often report before their callers.
            if (i % 2 == 1) {
                java.util.Collections.reverse(spans);
            }
            assertEquals(5, store.accept(TelemetryBatch.ofSpans(spans)).accepted());
        }
        clock.advance(Duration.ofSeconds(1));
        Instant now = clock.instant();
        AggregateSnapshot s = store.snapshot(now.minus(Duration.ofMinutes(5)), now);

        List<String> edges = s.of(SeriesKind.EDGE).stream()
                .map(t -> SeriesKey.nodeId(t.key().source(), false) + "->" + SeriesKey.nodeId(t.key().destination(), false))
                .sorted().toList();
        assertEquals(List.of("c1/bookinfo/productpage->c1/bookinfo/reviews", "c1/bookinfo/reviews->c1/bookinfo/ratings",
                "unknown->c1/bookinfo/productpage"), edges);
        for (SeriesTotals edge : s.of(SeriesKind.EDGE)) {
            assertEquals(traces, edge.requests(), "edge " + edge.key() + " counted once per call");
        }
        List<String> workloadEdges = s.of(SeriesKind.WORKLOAD_EDGE).stream()
                .map(t -> SeriesKey.nodeId(t.key().source(), true) + "->" + SeriesKey.nodeId(t.key().destination(), true))
                .sorted().toList();
        assertEquals(List.of("c1/bookinfo/productpage-v1->c1/bookinfo/reviews-v1",
                "c1/bookinfo/reviews-v1->c1/bookinfo/ratings-v1", "unknown->c1/bookinfo/productpage-v1"), workloadEdges);
        for (SeriesTotals edge : s.of(SeriesKind.WORKLOAD_EDGE)) {
            assertEquals(traces, edge.requests(), "workload edge " + edge.key());
        }
        assertEquals(traces, find(s, SeriesKind.SERVICE, null, "c1/bookinfo/reviews").requests());
        assertEquals(traces, find(s, SeriesKind.ENDPOINT, null, "c1/bookinfo/ratings").requests());
        assertEquals("GET /ratings", find(s, SeriesKind.ENDPOINT, null, "c1/bookinfo/ratings").key().operation());
        // The edge's latency is the caller's view: the CLIENT span's duration (ratings + 1 ms).
        assertEquals(1000 + traces - 1 + 1000, find(s, SeriesKind.EDGE, "c1/bookinfo/reviews", "c1/bookinfo/ratings")
                .latency().maxMicros());
    }

    @Test
    void serverAndClientViewsOfTheSameCallsDoNotDoubleCount() {
        TelemetryStore store = store(64L << 20, 1000);
        Peer a = peer("", "ns", "a");
        Peer b = peer("", "ns", "b");
        long now = clock.millis() * 1_000_000L;
        List<SpanRecord> spans = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String trace = hex(100 + i, 32);
            spans.add(span(trace, hex(1, 16), hex(9, 16), SpanKind.CLIENT, a, "b", "call", now, 2000, i < 3));
            spans.add(span(trace, hex(2, 16), hex(1, 16), SpanKind.SERVER, b, "", "serve", now + 100_000, 1500, i < 3));
        }
        store.accept(TelemetryBatch.ofSpans(spans));
        clock.advance(Duration.ofSeconds(1));
        AggregateSnapshot s = store.snapshot(clock.instant().minusSeconds(60), clock.instant());
        SeriesTotals edge = find(s, SeriesKind.EDGE, "c1/ns/a", "c1/ns/b");
        assertEquals(10, edge.requests());
        assertEquals(3, edge.errors());
        assertEquals(1, s.of(SeriesKind.EDGE).size(), "a CLIENT span's parent elsewhere is not a root: no unknown edge");
        assertEquals(10, find(s, SeriesKind.SERVICE, null, "c1/ns/b").requests());
        assertTrue(s.of(SeriesKind.SERVICE).stream().noneMatch(t -> t.key().destination().service().equals("a")),
                "a CLIENT span does not count as the caller serving a request");
        // a re-sent span (OTLP retry) is refused, not counted twice
        IngestOutcome again = store.accept(TelemetryBatch.ofSpans(spans.subList(0, 2)));
        assertEquals(2, again.rejected());
        assertTrue(again.firstRejection().contains("duplicate"), again.firstRejection());
        assertEquals(10, find(store.snapshot(clock.instant().minusSeconds(60), clock.instant()), SeriesKind.EDGE,
                "c1/ns/a", "c1/ns/b").requests());
    }

    @Test
    void bucketsAreApproximateAndTcpAddsToTheEdge() {
        TelemetryStore store = store(64L << 20, 1000);
        Peer a = peer("east", "ns", "a");
        Peer b = peer("east", "ns", "b");
        long t = clock.millis();
        store.accept(new TelemetryBatch(List.of(),
                List.of(new RequestBuckets(a, b, 200, false, new double[] {1, 5, 10}, new long[] {10, 80, 9, 1}, t)),
                List.of(new TcpSample(a, b, 3, 1, 1000, 2000, t), new TcpSample(a, b, 1, 0, 24, 48, t)),
                List.of(), List.of()));
        AggregateSnapshot s = store.snapshot(clock.instant().minusSeconds(60), clock.instant().plusSeconds(1));
        SeriesTotals edge = find(s, SeriesKind.EDGE, "east/ns/a", "east/ns/b");
        assertTrue(edge.approximate());
        assertEquals(100, edge.requests());
        assertEquals(4, edge.tcpOpened());
        assertEquals(1024, edge.sentBytes());
        assertEquals(2048, edge.receivedBytes());
        long p50 = edge.latency().valueAtQuantile(0.5);
        assertTrue(p50 >= 5000 && p50 <= 5050, "p50 falls in the (1,5] ms bucket, counted at its upper bound: " + p50);
        assertEquals(10000, edge.latency().valueAtQuantile(0.99));
    }

    @Test
    void aRequestCountWithoutDurationsCountsRequestsButNoLatency() {
        TelemetryStore store = store(64L << 20, 1000);
        Peer a = peer("east", "ns", "a");
        Peer b = peer("east", "ns", "b");
        long t = clock.millis();
        store.accept(new TelemetryBatch(List.of(new RequestSample(a, b, "", 200, false, 40_000, t)),
                List.of(new RequestBuckets(a, b, 503, false, new double[0], new long[] {7}, t)), List.of(), List.of(), List.of()));
        SeriesTotals edge = find(store.snapshot(clock.instant().minusSeconds(60), clock.instant().plusSeconds(1)), SeriesKind.EDGE,
                "east/ns/a", "east/ns/b");
        assertEquals(8, edge.requests());
        assertEquals(7, edge.errors());
        assertEquals(1, edge.latency().totalCount(), "only the exact sample has a latency; the bare count adds none");
        assertTrue(edge.latency().valueAtQuantile(0.5) >= 39_600, "no zero latencies from the bare count");
    }

    @Test
    void traceSearchFindsTheSlowTraceAndTheWaterfallHasTheChain() {
        TelemetryStore store = store(64L << 20, 1000);
        for (int i = 0; i < 20; i++) {
            store.accept(TelemetryBatch.ofSpans(chain(hex(i + 1, 32), clock.millis() * 1_000_000L, 1000, false)));
            clock.advance(Duration.ofSeconds(1));
        }
        String slow = hex(999, 32);
        store.accept(TelemetryBatch.ofSpans(chain(slow, clock.millis() * 1_000_000L, 400_000, false)));
        clock.advance(Duration.ofSeconds(1));
        String failed = hex(777, 32);
        store.accept(TelemetryBatch.ofSpans(chain(failed, clock.millis() * 1_000_000L, 2000, true)));
        Instant now = clock.instant().plusSeconds(1);
        Instant hourAgo = now.minus(Duration.ofHours(1));

        List<TraceSummary> bySlow = store.searchTraces(new TraceQuery("ratings", "bookinfo", 100_000, false, hourAgo, now, 20));
        assertEquals(List.of(slow), bySlow.stream().map(TraceSummary::traceId).toList());
        TraceSummary summary = bySlow.getFirst();
        assertEquals("productpage", summary.rootService());
        assertEquals("GET /productpage", summary.rootName());
        assertEquals("c1", summary.cluster());
        assertEquals(5, summary.spanCount());
        assertEquals(List.of("productpage", "reviews", "ratings"), summary.services());
        assertEquals(409_000_000L, summary.durationNanos());

        List<TraceSummary> errors = store.searchTraces(new TraceQuery("ratings", "", 0, true, hourAgo, now, 20));
        assertEquals(List.of(failed), errors.stream().map(TraceSummary::traceId).toList());
        assertTrue(store.searchTraces(new TraceQuery("ratings", "other-ns", 0, false, hourAgo, now, 20)).isEmpty());

        List<TraceSummary> newest = store.searchTraces(new TraceQuery("reviews", "", 0, false, hourAgo, now, 3));
        assertEquals(List.of(failed, slow, hex(20, 32)), newest.stream().map(TraceSummary::traceId).toList());
        List<TraceSummary> old = store.searchTraces(new TraceQuery("", "", 0, false, T0, T0.plusMillis(1500), 50));
        assertEquals(List.of(hex(2, 32), hex(1, 32)), old.stream().map(TraceSummary::traceId).toList(), "window filter");

        List<SpanRecord> spans = store.trace(slow).orElseThrow();
        assertEquals(5, spans.size());
        assertTrue(store.trace(hex(424242, 32)).isEmpty());
    }

    @Test
    void logSearchFiltersByTextSeverityServiceTraceAndWindowNewestFirst() {
        TelemetryStore store = store(64L << 20, 1000);
        Peer web = peer("", "shop", "web");
        Peer db = peer("", "shop", "db");
        long t = clock.millis();
        List<LogRecord> logs = List.of(
                log(t, web, "INFO", "GET /cart 200", "t1"),
                log(t + 1000, web, "ERROR", "Payment Declined for order 42", "t2"),
                log(t + 2000, db, "ERROR", "connection refused: payment-db", ""),
                log(t + 3000, web, "WARN", "slow payment provider", "t2"),
                log(t + 4000, web, "INFO", "GET /cart 200", "t3"));
        assertEquals(5, store.accept(TelemetryBatch.ofLogs(logs)).accepted());
        Instant from = T0.minusSeconds(60);
        Instant to = T0.plusSeconds(60);
        assertEquals(List.of("slow payment provider", "Payment Declined for order 42"),
                bodies(store.searchLogs(new LogQuery("web", "", "PAYMENT", "", "", from, to, 10))));
        assertEquals(List.of("connection refused: payment-db", "Payment Declined for order 42"),
                bodies(store.searchLogs(new LogQuery("", "", "", "error", "", from, to, 10))));
        assertEquals(List.of("slow payment provider", "Payment Declined for order 42"),
                bodies(store.searchLogs(new LogQuery("", "", "", "", "t2", from, to, 10))));
        assertEquals(List.of("GET /cart 200"), bodies(store.searchLogs(new LogQuery("", "", "", "", "", from, to, 1))));
        assertEquals(4_000_000_000L + t * 1_000_000L,
                store.searchLogs(new LogQuery("", "", "", "", "", from, to, 1)).getFirst().epochNanos(), "newest first");
        assertEquals(List.of("GET /cart 200"),
                bodies(store.searchLogs(new LogQuery("", "", "", "", "", T0, T0.plusMillis(500), 10))));
        assertEquals("c1", store.searchLogs(new LogQuery("db", "", "", "", "", from, to, 10)).getFirst().source().cluster(),
                "records without a cluster get the local one");
    }

    private static List<String> bodies(List<LogRecord> logs) {
        return logs.stream().map(LogRecord::body).toList();
    }

    @Test
    void overBudgetTheOldestTracesAndLogsGoAndTheEvictionsAreCounted() {
        long budget = 1L << 20;
        TelemetryStore store = store(budget, 1000);
        Peer web = peer("", "shop", "web");
        int n = 3000;
        for (int i = 0; i < n; i++) {
            store.accept(TelemetryBatch.ofSpans(chain(hex(i + 1, 32), clock.millis() * 1_000_000L, 1000, false)));
            store.accept(TelemetryBatch.ofLogs(List.of(log(clock.millis(), web, "INFO", "request " + i + " " + "x".repeat(200), ""))));
            clock.advance(Duration.ofMillis(100));
        }
        TelemetryStatus status = store.status();
        assertTrue(status.evictedTraces() > 0, "traces evicted: " + status);
        assertTrue(status.evictedLogs() > 0, "logs evicted: " + status);
        assertTrue(status.memoryUsedBytes() <= budget, "used " + status.memoryUsedBytes() + " of " + budget);
        assertTrue(status.traceBytes() <= status.traceBudgetBytes());
        assertTrue(status.logBytes() <= status.logBudgetBytes());
        assertEquals(n, status.traces() + status.evictedTraces());
        assertEquals(n, status.logs() + status.evictedLogs());
        assertTrue(store.trace(hex(1, 32)).isEmpty(), "the oldest trace went first");
        assertTrue(store.trace(hex(n, 32)).isPresent(), "the newest trace stays");
        List<LogRecord> all = store.searchLogs(new LogQuery("", "", "", "", "", T0, clock.instant(), 5000));
        assertEquals(status.logs(), all.size());
        assertTrue(all.getLast().body().startsWith("request " + status.evictedLogs() + " "), "the oldest logs went first");
    }

    @Test
    void overBudgetTheOldestAggregateSlotsGo() {
        long budget = 2L << 20;
        TelemetryStore store = store(budget, 100_000);
        SplittableRandom r = new SplittableRandom(1);
        for (int slot = 0; slot < 120; slot++) {
            List<RequestSample> batch = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Peer src = peer("", "ns", "s" + r.nextInt(20));
                Peer dst = peer("", "ns", "s" + r.nextInt(20));
                batch.add(request(src, dst, "op" + r.nextInt(3), 100 + r.nextInt(100_000), false, clock.millis()));
            }
            store.accept(requests(batch));
            clock.advance(Duration.ofSeconds(10));
        }
        TelemetryStatus status = store.status();
        assertTrue(status.evictedAggregateCells() > 0, status.toString());
        assertTrue(status.aggregateBytes() <= status.aggregateBudgetBytes(), status.toString());
        Instant now = clock.instant();
        AggregateSnapshot recent = store.snapshot(now.minus(Duration.ofMinutes(1)), now);
        assertFalse(recent.series().isEmpty(), "the newest slots stay");
        AggregateSnapshot first = store.snapshot(T0, T0.plus(Duration.ofMinutes(1)));
        assertTrue(first.series().isEmpty(), "the oldest slots went");
    }

    @Test
    void aNewLabelValuePerRequestIsCappedCountedAndStaysInBudget() {
        long budget = 4L << 20;
        int cap = 500;
        TelemetryStore store = store(budget, cap);
        Peer caller = peer("", "ns", "caller");
        int n = 1_000_000;
        long capped = 0;
        List<RequestSample> batch = new ArrayList<>(1000);
        for (int i = 0; i < n; i++) {
            Peer dst = new Peer("", "ns", "api-" + i, "api");
            batch.add(request(caller, dst, "GET /x", 1000 + (i % 5000), false, clock.millis()));
            if (batch.size() == 1000) {
                capped += store.accept(requests(batch)).capped();
                batch.clear();
                clock.advance(Duration.ofMillis(50));
            }
        }
        TelemetryStatus status = store.status();
        assertTrue(capped > n - 2 * cap, "folded samples reported per batch: " + capped);
        assertEquals(capped, status.capped());
        assertTrue(status.seriesAlive() <= cap + SeriesKind.values().length, "series alive " + status.seriesAlive());
        assertTrue(status.memoryUsedBytes() <= budget, "used " + status.memoryUsedBytes());
        Instant now = clock.instant();
        AggregateSnapshot s = store.snapshot(now.minus(Duration.ofSeconds(30)), now.plusSeconds(1));
        SeriesTotals api = find(s, SeriesKind.SERVICE, null, "c1/ns/api");
        assertEquals(Series.MAX_WORKLOADS, api.workloads().size(), "the workload list of one service stays short");
        long workloadRequests = s.of(SeriesKind.WORKLOAD).stream().mapToLong(SeriesTotals::requests).sum();
        assertEquals(api.requests(), workloadRequests, "folding keeps every request, under __overflow__");
        assertTrue(s.of(SeriesKind.WORKLOAD).stream().anyMatch(t -> t.key().isOverflow()));
    }

    @Test
    void badItemsAreRefusedWithReasonsAndTheRestIsStored() {
        TelemetryStore store = store(64L << 20, 1000);
        Peer a = peer("", "ns", "a");
        Peer b = peer("", "ns", "b");
        long t = clock.millis();
        IngestOutcome out = store.accept(new TelemetryBatch(
                List.of(request(a, b, "", 100, false, t),
                        request(a, Peer.UNKNOWN, "", 100, false, t),
                        new RequestSample(a, b, "", 200, false, -5, t),
                        request(a, b, "", 100, false, t + Duration.ofHours(2).toMillis())),
                List.of(new RequestBuckets(a, b, 200, false, new double[] {5, 1}, new long[] {1, 1, 1}, t),
                        new RequestBuckets(a, b, 200, false, new double[] {1, 5}, new long[] {1, 1}, t)),
                List.of(new TcpSample(a, b, -1, 0, 0, 0, t)),
                List.of(new SpanRecord("", "1", "", "x", SpanKind.SERVER, a, "", 0, 1, false, 0, "", Map.of()),
                        new SpanRecord(hex(1, 32), hex(1, 16), "", "x", SpanKind.SERVER, a, "", 10, 5, false, 0, "", Map.of()),
                        new SpanRecord(hex(1, 32), hex(2, 16), "", "x", SpanKind.SERVER, Peer.UNKNOWN, "", 1, 5, false, 0, "", Map.of())),
                List.of()));
        assertEquals(1, out.accepted());
        assertEquals(9, out.rejected());
        assertTrue(out.firstRejection().contains("no destination"), out.firstRejection());
        List<String> reasons = new ArrayList<>();
        for (RequestSample r : List.of(request(a, b, "", 100, false, t + Duration.ofHours(2).toMillis()))) {
            reasons.add(store.accept(requests(List.of(r))).firstRejection());
        }
        assertTrue(reasons.getFirst().contains("ahead of the control plane's clock"), reasons.getFirst());
        assertTrue(store.accept(new TelemetryBatch(List.of(), List.of(new RequestBuckets(a, b, 200, false,
                new double[] {1, 5}, new long[] {1, 1}, t)), List.of(), List.of(), List.of())).firstRejection()
                .contains("one longer"));
        assertEquals(1, store.accept(null).rejected());
        assertEquals(1, store.status().accepted());
        assertThrows(IllegalArgumentException.class,
                () -> store.series("c1", "ns", "b", T0, T0.plusSeconds(60), Duration.ofSeconds(15)));
        assertThrows(IllegalArgumentException.class, () -> store.snapshot(T0, T0));
    }

    @Test
    void seriesGroupsSlotsIntoSteps() {
        TelemetryStore store = store(64L << 20, 1000);
        Peer a = peer("", "ns", "a");
        Peer b = peer("", "ns", "b");
        for (int s = 0; s < 60; s++) {
            List<RequestSample> batch = new ArrayList<>();
            for (int i = 0; i <= s % 6; i++) {
                batch.add(request(a, b, "", 1000L * (s + 1), i == 0 && s % 6 == 5, clock.millis()));
            }
            store.accept(requests(batch));
            clock.advance(Duration.ofSeconds(10));
        }
        ServiceSeries series = store.series("c1", "ns", "b", T0, T0.plus(Duration.ofMinutes(10)), Duration.ofMinutes(1));
        assertEquals(10, series.points().size());
        for (ServiceSeries.Point p : series.points()) {
            assertEquals(21, p.requests(), "six slots with 1..6 requests per minute");
            assertEquals(1, p.errors());
        }
        assertEquals(T0.toEpochMilli(), series.points().getFirst().epochMillis());
        assertEquals(6_000, series.points().get(0).latency().maxMicros());
        assertEquals(60_000, series.points().get(9).latency().maxMicros());
        ServiceSeries none = store.series("c1", "ns", "nobody", T0, T0.plus(Duration.ofMinutes(1)), Duration.ofSeconds(10));
        assertEquals(6, none.points().size());
        assertTrue(none.points().stream().allMatch(p -> p.requests() == 0));
    }

    @Test
    void concurrentIngestAndQueriesLoseNothing() throws Exception {
        TelemetryStore store = store(64L << 20, 10_000);
        int threads = 4;
        int perThread = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                int id = w;
                writers.add(pool.submit(() -> {
                    List<RequestSample> batch = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        batch.add(request(peer("", "ns", "src" + id), peer("", "ns", "dst" + (i % 10)), "op", 100 + i % 1000,
                                false, T0.toEpochMilli() + i % 1000));
                        if (batch.size() == 500) {
                            store.accept(requests(batch));
                            batch.clear();
                        }
                    }
                }));
            }
            Future<?> reader = pool.submit(() -> {
                while (writers.stream().anyMatch(f -> !f.isDone())) {
                    store.snapshot(T0.minusSeconds(60), T0.plusSeconds(60));
                }
            });
            for (Future<?> f : writers) {
                f.get();
            }
            reader.get();
        } finally {
            pool.shutdownNow();
        }
        AggregateSnapshot s = store.snapshot(T0.minusSeconds(60), T0.plusSeconds(60), Set.of(SeriesKind.SERVICE));
        assertEquals((long) threads * perThread, s.series().stream().mapToLong(SeriesTotals::requests).sum());
        assertEquals(Set.of(SeriesKind.SERVICE), s.series().stream().map(t -> t.key().kind()).collect(Collectors.toSet()));
    }
}
