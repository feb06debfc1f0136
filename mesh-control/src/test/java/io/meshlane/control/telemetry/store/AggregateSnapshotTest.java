package io.meshlane.control.telemetry.store;

import static io.meshlane.control.telemetry.store.Signals.peer;
import static io.meshlane.control.telemetry.store.Signals.request;
import static io.meshlane.control.telemetry.store.Signals.requests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AggregateSnapshotTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    private static TelemetryStore store(String cluster, MutableClock clock) {
        return new TelemetryStore(new TelemetryConfig(64L << 20, 10_000, Duration.ofSeconds(10), cluster), clock);
    }

    /** What a federation peer does: render to bytes, parse the bytes back. */
    private static AggregateSnapshot overTheWire(AggregateSnapshot s) throws Exception {
        byte[] bytes = MAPPER.writeValueAsBytes(s.toJson());
        return AggregateSnapshot.fromJson(MAPPER.readTree(bytes));
    }

    private static SeriesTotals only(AggregateSnapshot s, SeriesKind kind, String cluster, String service) {
        return s.of(kind).stream()
                .filter(t -> t.key().destination().cluster().equals(cluster) && t.key().destination().service().equals(service))
                .reduce((a, b) -> {
                    throw new AssertionError("two rows for " + cluster + "/" + service);
                })
                .orElseThrow(() -> new AssertionError("no " + kind + " row for " + cluster + "/" + service));
    }

    @Test
    void twoClustersMergeIntoOneViewWithExactQuantiles() throws Exception {
        MutableClock clock = new MutableClock(T0);
        TelemetryStore east = store("east", clock);
        TelemetryStore west = store("west", clock);
        SplittableRandom r = new SplittableRandom(11);
        List<Long> eastValues = new ArrayList<>();
        List<Long> westValues = new ArrayList<>();
        for (int slot = 0; slot < 30; slot++) {
            List<RequestSample> e = new ArrayList<>();
            List<RequestSample> w = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                long ve = (long) (3000 * Math.exp(1.3 * LatencyHistogramTest.gaussian(r)));
                long vw = (long) (800 / Math.pow(1 - r.nextDouble(), 1 / 1.2));
                eastValues.add(ve);
                westValues.add(vw);
                e.add(request(peer("", "shop", "web"), peer("", "shop", "api"), "GET /items", ve, i % 50 == 0, clock.millis()));
                w.add(request(peer("", "shop", "web"), peer("", "shop", "api"), "GET /items", vw, false, clock.millis()));
            }
            east.accept(requests(e));
            west.accept(requests(w));
            clock.advance(Duration.ofSeconds(10));
        }
        Instant now = clock.instant();
        Instant from = now.minus(Duration.ofMinutes(5));
        AggregateSnapshot local = east.snapshot(from, now);
        AggregateSnapshot remote = overTheWire(west.snapshot(from, now));
        AggregateSnapshot merged = AggregateSnapshot.merge(List.of(local, remote));

        SeriesTotals eastApi = only(merged, SeriesKind.SERVICE, "east", "api");
        SeriesTotals westApi = only(merged, SeriesKind.SERVICE, "west", "api");
        assertEquals(15_000, eastApi.requests());
        assertEquals(300, eastApi.errors());
        assertEquals(15_000, westApi.requests());
        assertEquals(List.of("api-v1"), westApi.workloads());
        LatencyHistogramTest.assertWithinOnePercent(eastValues.stream().mapToLong(Long::longValue).toArray(),
                eastApi.latency(), "east api");
        LatencyHistogramTest.assertWithinOnePercent(westValues.stream().mapToLong(Long::longValue).toArray(),
                westApi.latency(), "west api after JSON");
        SeriesTotals westDirect = only(west.snapshot(from, now), SeriesKind.SERVICE, "west", "api");
        for (double q : new double[] {0.5, 0.95, 0.99, 1.0}) {
            assertEquals(westDirect.latency().valueAtQuantile(q), westApi.latency().valueAtQuantile(q), "JSON is lossless at " + q);
        }
        assertEquals(2, merged.of(SeriesKind.EDGE).size(), "each cluster's edge keeps its cluster");
    }

    @Test
    void partsOfOneKeyFromTwoStoresMergeAsIfOneStoreSawEverything() throws Exception {
        MutableClock clock = new MutableClock(T0);
        TelemetryStore a = store("c1", clock);
        TelemetryStore b = store("c1", clock);
        TelemetryStore whole = store("c1", clock);
        SplittableRandom r = new SplittableRandom(5);
        long[] values = new long[40_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) (1500 * Math.exp(1.5 * LatencyHistogramTest.gaussian(r)));
            RequestSample s = request(peer("", "ns", "x"), peer("", "ns", "y"), "op", values[i], false,
                    clock.millis() + i % 60_000);
            (i % 3 == 0 ? a : b).accept(requests(List.of(s)));
            whole.accept(requests(List.of(s)));
        }
        clock.advance(Duration.ofMinutes(1));
        Instant now = clock.instant();
        Instant from = now.minus(Duration.ofMinutes(5));
        AggregateSnapshot merged = AggregateSnapshot.merge(List.of(overTheWire(a.snapshot(from, now)),
                overTheWire(b.snapshot(from, now))));
        AggregateSnapshot single = whole.snapshot(from, now);
        for (SeriesKind kind : SeriesKind.values()) {
            SeriesTotals m = only(merged, kind, "c1", "y");
            SeriesTotals s = only(single, kind, "c1", "y");
            assertEquals(s.requests(), m.requests(), kind.name());
            for (double q : new double[] {0.5, 0.95, 0.99, 0.999, 1.0}) {
                assertEquals(s.latency().valueAtQuantile(q), m.latency().valueAtQuantile(q), kind + " at " + q);
            }
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        LatencyHistogramTest.assertWithinOnePercent(values, only(merged, SeriesKind.SERVICE, "c1", "y").latency(), "merged");
    }

    @Test
    void malformedSnapshotsAreClearErrors() throws Exception {
        ObjectNode good = new AggregateSnapshot(T0, T0.plusSeconds(60), List.of(new SeriesTotals(
                SeriesKey.service(new Peer("c1", "ns", "", "s")), List.of(), 1, 0, false, 0, 0, 0, 0,
                new LatencyHistogram()))).toJson();
        assertEquals(1, AggregateSnapshot.fromJson(good).series().size());

        ObjectNode badKind = good.deepCopy();
        ((ObjectNode) badKind.get("series").get(0)).put("kind", "PLANET");
        assertMessage(badKind, "snapshot.series[0].kind must be one of");
        ObjectNode badHistogram = good.deepCopy();
        ((ObjectNode) badHistogram.get("series").get(0)).put("latency", "AAAA");
        assertMessage(badHistogram, "snapshot.series[0].latency");
        ObjectNode badFrom = good.deepCopy();
        badFrom.put("from", "yesterday");
        assertMessage(badFrom, "snapshot.from must be an ISO-8601 instant");
        ObjectNode negative = good.deepCopy();
        ((ObjectNode) negative.get("series").get(0)).put("requests", -3);
        assertMessage(negative, "snapshot.series[0].requests must be a non-negative integer");
        assertMessage(MAPPER.readTree("[1,2]"), "snapshot must be a JSON object");
        assertThrows(IllegalArgumentException.class, () -> AggregateSnapshot.merge(List.of()));
    }

    private static void assertMessage(JsonNode doc, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AggregateSnapshot.fromJson(doc));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
