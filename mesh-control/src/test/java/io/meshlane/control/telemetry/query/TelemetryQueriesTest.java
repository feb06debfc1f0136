package io.meshlane.control.telemetry.query;

import static io.meshlane.control.telemetry.store.Signals.hex;
import static io.meshlane.control.telemetry.store.Signals.log;
import static io.meshlane.control.telemetry.store.Signals.peer;
import static io.meshlane.control.telemetry.store.Signals.request;
import static io.meshlane.control.telemetry.store.Signals.requests;
import static io.meshlane.control.telemetry.store.Signals.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TcpSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.telemetry.store.AggregateSnapshot;
import io.meshlane.control.telemetry.store.LogQuery;
import io.meshlane.control.telemetry.store.MutableClock;
import io.meshlane.control.telemetry.store.TelemetryConfig;
import io.meshlane.control.telemetry.store.TelemetryStore;
import io.meshlane.control.telemetry.store.TraceQuery;
import io.meshlane.control.telemetry.store.TraceSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

class TelemetryQueriesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);

    private TelemetryStore store(String cluster) {
        return new TelemetryStore(new TelemetryConfig(64L << 20, 10_000, Duration.ofSeconds(10), cluster), clock);
    }

    private static List<String> texts(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> field.isEmpty() ? n.asText() : n.path(field).asText()).toList();
    }

    /** Renders to bytes and back, as the HTTP layer and a federation peer would. */
    private static JsonNode wire(ObjectNode doc) throws Exception {
        return MAPPER.readTree(MAPPER.writeValueAsBytes(doc));
    }

    private void loadShop(TelemetryStore store) {
        Peer web = peer("", "shop", "web");
        Peer cart = peer("", "shop", "cart");
        Peer pay = peer("", "shop", "pay");
        List<RequestSample> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            batch.add(request(web, cart, "GET /cart", 2_000 + i, false, clock.millis()));
            batch.add(request(web, pay, "POST /pay", 50_000 + 10 * i, i % 10 == 0, clock.millis()));
            batch.add(request(cart, pay, "POST /refund", 20_000, i % 3 == 0, clock.millis()));
        }
        store.accept(new TelemetryBatch(batch, List.of(), List.of(new TcpSample(web, cart, 4, 0, 1024, 2048, clock.millis())),
                List.of(), List.of()));
    }

    @Test
    void servicesTopologyAndTopDocuments() throws Exception {
        TelemetryStore store = store("c1");
        loadShop(store);
        clock.advance(Duration.ofSeconds(60));
        Instant now = clock.instant();
        AggregateSnapshot snap = store.snapshot(now.minus(Duration.ofMinutes(5)), now);

        JsonNode services = wire(TelemetryQueries.services(snap, "5m"));
        assertEquals("5m", services.get("window").asText());
        assertEquals(List.of("c1/shop/cart", "c1/shop/pay"), texts(services.get("services"), "id"));
        JsonNode pay = services.get("services").get(1);
        assertEquals(600, pay.get("requests").asLong());
        assertEquals(30 + 100, pay.get("errors").asLong());
        assertEquals(600 / 300.0, pay.get("rps").asDouble(), 0.001, "600 requests over 300 s");
        assertEquals("pay-v1", pay.get("workloads").get(0).asText());
        assertTrue(pay.get("p99Ms").asDouble() >= 52.97 && pay.get("p99Ms").asDouble() <= 52.97 * 1.01, pay.toString());
        assertEquals(52.99, pay.get("maxMs").asDouble(), 0.0001, "max is exact");

        JsonNode topo = wire(TelemetryQueries.topology(snap, "5m", false));
        assertEquals(List.of("c1/shop/cart->c1/shop/pay", "c1/shop/web->c1/shop/cart", "c1/shop/web->c1/shop/pay"),
                texts(topo.get("edges"), "id"));
        assertEquals(List.of("c1/shop/cart", "c1/shop/pay", "c1/shop/web"), texts(topo.get("nodes"), "id"),
                "the caller that serves nothing is still a node");
        JsonNode webCart = topo.get("edges").get(1);
        assertEquals("c1/shop/web", webCart.get("source").asText());
        assertEquals(4, webCart.get("tcpConnections").asLong());
        assertEquals(2048, webCart.get("tcpReceivedBytes").asLong());
        assertEquals(300, webCart.get("requests").asLong());
        assertEquals("http", webCart.get("protocol").asText(), "an edge with requests is drawn by its requests");
        assertEquals(0.1, topo.get("edges").get(2).get("errorRatio").asDouble(), 1e-9);
        JsonNode byWorkload = wire(TelemetryQueries.topology(snap, "5m", true));
        assertEquals(List.of("c1/shop/cart-v1->c1/shop/pay-v1", "c1/shop/web-v1->c1/shop/cart-v1",
                "c1/shop/web-v1->c1/shop/pay-v1"), texts(byWorkload.get("edges"), "id"));
        assertEquals("workload", byWorkload.get("nodes").get(0).get("kind").asText());
        assertEquals("cart", byWorkload.get("nodes").get(0).get("service").asText());

        JsonNode slowest = wire(TelemetryQueries.top(snap, QueryParameters.top(Map.of("of", "endpoints", "n", "2"), now)));
        assertEquals(List.of("POST /pay", "POST /refund"), texts(slowest.get("rows"), "operation"));
        JsonNode failing = wire(TelemetryQueries.top(snap, QueryParameters.top(Map.of("by", "errors", "of", "endpoints"), now)));
        assertEquals(List.of("POST /refund", "POST /pay", "GET /cart"), texts(failing.get("rows"), "operation"),
                "1/3 errors before 1/10 before none");
        JsonNode topServices = wire(TelemetryQueries.top(snap, QueryParameters.top(Map.of("n", "1"), now)));
        assertEquals(List.of("c1/shop/pay"), texts(topServices.get("rows"), "id"));
    }

    @Test
    void aTcpOnlyEdgeCarriesBytesPerSecondAndConnections() throws Exception {
        TelemetryStore store = store("c1");
        Peer load = peer("", "fast", "load");
        Peer echo = peer("", "fast", "echo");
        store.accept(new TelemetryBatch(List.of(), List.of(), List.of(
                new TcpSample(load, echo, 2, 1, 60_000, 30_000, clock.millis()),
                new TcpSample(load, echo, 1, 0, 30_000, 30_000, clock.millis())), List.of(), List.of()));
        clock.advance(Duration.ofSeconds(60));
        Instant now = clock.instant();
        JsonNode topo = wire(TelemetryQueries.topology(store.snapshot(now.minus(Duration.ofMinutes(5)), now), "5m", false));
        assertEquals(List.of("c1/fast/load->c1/fast/echo"), texts(topo.get("edges"), "id"));
        JsonNode edge = topo.get("edges").get(0);
        assertEquals("tcp", edge.get("protocol").asText());
        assertEquals(150_000 / 300.0, edge.get("tcpBytesPerSecond").asDouble(), 0.001, "sent + received over the 300 s window");
        assertEquals(3, edge.get("tcpConnections").asLong(), "connections opened");
        assertEquals(1, edge.get("tcpConnectionsClosed").asLong());
        assertEquals(0, edge.get("requests").asLong());
        assertTrue(edge.get("p99Ms").isNull(), "no latency for plain TCP");
    }

    @Test
    void topologyShowsUnknownCallersAndMergesClusters() throws Exception {
        TelemetryStore east = store("east");
        TelemetryStore west = store("west");
        long start = clock.millis() * 1_000_000L;
        east.accept(TelemetryBatch.ofSpans(List.of(
                span(hex(1, 32), hex(1, 16), "", SpanKind.SERVER, peer("", "ns", "gateway"), "", "GET /", start, 5000, false))));
        west.accept(requests(List.of(request(peer("", "ns", "a"), peer("", "ns", "b"), "", 1000, false, clock.millis()))));
        clock.advance(Duration.ofSeconds(5));
        Instant now = clock.instant();
        Instant from = now.minus(Duration.ofMinutes(5));
        AggregateSnapshot merged = AggregateSnapshot.merge(List.of(east.snapshot(from, now),
                AggregateSnapshot.fromJson(wire(west.snapshot(from, now).toJson()))));
        JsonNode topo = wire(TelemetryQueries.topology(merged, "5m", false));
        assertEquals(List.of("unknown->east/ns/gateway", "west/ns/a->west/ns/b"), texts(topo.get("edges"), "id"));
        JsonNode unknown = StreamSupport.stream(topo.get("nodes").spliterator(), false)
                .filter(n -> n.get("id").asText().equals("unknown")).findFirst().orElseThrow();
        assertEquals("unknown", unknown.get("kind").asText());
        assertEquals(List.of("east", "west"), texts(topo.get("edges"), "cluster"));
    }

    @Test
    void seriesPointsCarryRatesAndQuantilesPerStep() throws Exception {
        TelemetryStore store = store("c1");
        for (int i = 0; i < 12; i++) {
            store.accept(requests(List.of(request(peer("", "ns", "a"), peer("", "ns", "b"), "", 1000 * (i + 1), i == 0,
                    clock.millis()))));
            clock.advance(Duration.ofSeconds(10));
        }
        QueryParameters.SeriesRequest req = QueryParameters.series(Map.of("namespace", "ns", "service", "b", "window", "2m",
                "step", "1m"), clock.instant(), "c1", Duration.ofSeconds(10));
        JsonNode doc = wire(TelemetryQueries.series(store.series(req.cluster(), req.namespace(), req.service(),
                req.window().from(), req.window().to(), req.step())));
        assertEquals("c1/ns/b", doc.get("service").asText());
        assertEquals("1m", doc.get("step").asText());
        assertEquals(2, doc.get("points").size());
        JsonNode first = doc.get("points").get(0);
        assertEquals(T0.toEpochMilli(), first.get("t").asLong());
        assertEquals(6 / 60.0, first.get("rps").asDouble(), 1e-3);
        assertEquals(1 / 6.0, first.get("errorRatio").asDouble(), 1e-6);
        assertEquals(6.0, first.get("p99Ms").asDouble(), 0.06);
        assertEquals(12.0, doc.get("points").get(1).get("p99Ms").asDouble(), 0.12);
    }

    @Test
    void tracesAndLogsMergeAcrossClustersAndTheWaterfallHasDepths() throws Exception {
        TelemetryStore east = store("east");
        TelemetryStore west = store("west");
        long ms = 1_000_000L;
        long t = clock.millis() * ms;
        Peer front = peer("", "ns", "front");
        Peer back = peer("", "ns", "back");
        String trace = hex(0xabc, 32);
        east.accept(TelemetryBatch.ofSpans(List.of(
                span(trace, hex(1, 16), "", SpanKind.SERVER, front, "", "GET /", t, 30_000, false),
                span(trace, hex(2, 16), hex(1, 16), SpanKind.CLIENT, front, "back", "call back", t + ms, 25_000, false))));
        west.accept(TelemetryBatch.ofSpans(List.of(
                span(trace, hex(3, 16), hex(2, 16), SpanKind.SERVER, back, "", "GET /back", t + 2 * ms, 20_000, true),
                span(trace, hex(4, 16), hex(99, 16), SpanKind.INTERNAL, back, "", "orphan", t + 3 * ms, 1_000, false),
                span(hex(0xdef, 32), hex(5, 16), "", SpanKind.SERVER, back, "", "GET /later", t + 50 * ms, 1_000, false))));
        Instant to = clock.instant().plusSeconds(1);
        TraceQuery q = QueryParameters.traces(Map.of("service", "back"), to);
        JsonNode westJson = wire(TelemetryQueries.traces(List.of(west.searchTraces(q)), q.limit()));
        List<TraceSummary> fromPeer = TelemetryQueries.traceSummaries(westJson);
        JsonNode merged = wire(TelemetryQueries.traces(List.of(east.searchTraces(
                QueryParameters.traces(Map.of(), to)), fromPeer), 10));
        assertEquals(List.of(hex(0xdef, 32), trace), texts(merged.get("traces"), "traceId"));
        assertEquals(List.of("west", "east"), texts(merged.get("traces"), "cluster"),
                "one trace seen by two clusters is one row, named by the cluster holding its root");
        JsonNode crossing = merged.get("traces").get(1);
        assertEquals(4, crossing.get("spanCount").asInt());
        assertEquals("front", crossing.get("rootService").asText());
        assertEquals(30.0, crossing.get("durationMs").asDouble(), 1e-9);
        assertTrue(crossing.get("error").asBoolean());
        assertEquals(List.of("front", "back"), texts(crossing.get("services"), ""));

        List<SpanRecord> spans = new ArrayList<>(east.trace(trace).orElseThrow());
        spans.addAll(TelemetryQueries.spans(wire(TelemetryQueries.waterfall(trace, west.trace(trace).orElseThrow()))));
        JsonNode waterfall = wire(TelemetryQueries.waterfall(trace, spans));
        assertEquals(30.0, waterfall.get("durationMs").asDouble(), 1e-9);
        assertEquals(List.of(hex(1, 16), hex(2, 16), hex(3, 16), hex(4, 16)), texts(waterfall.get("spans"), "spanId"));
        assertEquals(List.of("0", "1", "2", "0"), texts(waterfall.get("spans"), "depth"), "orphan at depth 0");
        assertEquals(List.of("0.0", "1.0", "2.0", "3.0"), texts(waterfall.get("spans"), "offsetMs"));
        assertEquals(List.of("east", "east", "west", "west"), texts(waterfall.get("spans"), "cluster"));
        assertTrue(waterfall.get("spans").get(2).get("error").asBoolean());

        east.accept(TelemetryBatch.ofLogs(List.of(log(clock.millis(), front, "INFO", "hello from east", trace))));
        west.accept(TelemetryBatch.ofLogs(List.of(log(clock.millis() + 5, back, "ERROR", "boom in west", trace))));
        LogQuery lq = QueryParameters.logs(Map.of("traceId", trace), to);
        JsonNode westLogs = wire(TelemetryQueries.logs(List.of(west.searchLogs(lq)), lq.limit()));
        JsonNode logs = wire(TelemetryQueries.logs(List.of(east.searchLogs(lq), TelemetryQueries.logRecords(westLogs)), 10));
        assertEquals(List.of("boom in west", "hello from east"), texts(logs.get("logs"), "body"));
        assertEquals(List.of("west", "east"), texts(logs.get("logs"), "cluster"));
    }

    @Test
    void statusReportsBudgetEvictionsAndCap() throws Exception {
        TelemetryStore store = store("c1");
        loadShop(store);
        JsonNode status = wire(TelemetryQueries.status(store.status()));
        assertEquals(64L << 20, status.at("/memory/budgetBytes").asLong());
        assertTrue(status.at("/memory/aggregates/usedBytes").asLong() > 0);
        assertEquals(10_000, status.at("/series/cap").asInt());
        assertEquals(900 + 1, status.at("/ingest/accepted").asLong());
        assertEquals(0, status.at("/evictions/traces").asLong());
    }
}
