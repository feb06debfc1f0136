package io.meshlane.control.telemetry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.telemetry.store.LogQuery;
import io.meshlane.control.telemetry.store.TraceQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryParametersTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final Duration WIDTH = Duration.ofSeconds(10);

    private static void fails(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }

    @Test
    void defaultsFollowTheApiDocument() {
        QueryParameters.Window w = QueryParameters.services(Map.of(), NOW);
        assertEquals("5m", w.label());
        assertEquals(NOW.minus(Duration.ofMinutes(5)), w.from());
        QueryParameters.TopRequest top = QueryParameters.top(Map.of(), NOW);
        assertEquals(QueryParameters.TopBy.LATENCY, top.by());
        assertEquals(QueryParameters.TopOf.SERVICES, top.of());
        assertEquals(10, top.n());
        assertEquals(false, QueryParameters.topology(Map.of("scope", "local"), NOW).byWorkload());
        assertEquals(true, QueryParameters.topology(Map.of("by", "workload", "window", "1h"), NOW).byWorkload());
        QueryParameters.SeriesRequest s = QueryParameters.series(Map.of("namespace", "ns", "service", "api"), NOW, "c1", WIDTH);
        assertEquals("c1", s.cluster());
        assertEquals(WIDTH, s.step(), "15m of 10s slots is 90 points");
        assertEquals(Duration.ofSeconds(30),
                QueryParameters.series(Map.of("namespace", "ns", "service", "api", "window", "3h"), NOW, "c1", WIDTH).step(),
                "3h would be 1080 slots: widened to at most 360 points");
        TraceQuery t = QueryParameters.traces(Map.of("service", "reviews", "minDurationMs", "100.5", "error", "true"), NOW);
        assertEquals(100_500, t.minDurationMicros());
        assertEquals(true, t.errorOnly());
        assertEquals(20, t.limit());
        assertEquals(NOW.minus(Duration.ofHours(1)), t.from());
        assertEquals(java.util.Set.of(io.meshlane.control.telemetry.store.SeriesKind.SERVICE,
                io.meshlane.control.telemetry.store.SeriesKind.EDGE),
                QueryParameters.snapshot(Map.of("kinds", "service,edge"), NOW).kinds());
        assertEquals(5, QueryParameters.snapshot(Map.of(), NOW).kinds().size());
        LogQuery l = QueryParameters.logs(Map.of("q", "timeout", "severity", "ERROR"), NOW);
        assertEquals(100, l.limit());
        assertEquals("timeout", l.text());
    }

    @Test
    void badParametersNameTheParameterAndWhatIsAllowed() {
        fails("parameter 'window' must be a duration like 30s, 5m, 1h or 1d, got 'five minutes'",
                () -> QueryParameters.services(Map.of("window", "five minutes"), NOW));
        fails("parameter 'window' must be between 1s and 7d, got '30d'", () -> QueryParameters.services(Map.of("window", "30d"), NOW));
        fails("parameter 'by' must be 'service' or 'workload', got 'pod'",
                () -> QueryParameters.topology(Map.of("by", "pod"), NOW));
        fails("parameter 'by' must be one of latency|errors, got 'speed'", () -> QueryParameters.top(Map.of("by", "speed"), NOW));
        fails("parameter 'of' must be one of services|endpoints", () -> QueryParameters.top(Map.of("of", "nodes"), NOW));
        fails("parameter 'n' must be an integer from 1 to 1000, got '0'", () -> QueryParameters.top(Map.of("n", "0"), NOW));
        fails("parameter 'n' must be an integer from 1 to 1000, got 'ten'", () -> QueryParameters.top(Map.of("n", "ten"), NOW));
        fails("parameter 'service' is required", () -> QueryParameters.series(Map.of("namespace", "ns"), NOW, "c1", WIDTH));
        fails("parameter 'step' must be a multiple of the bucket width 10s, got '15s'",
                () -> QueryParameters.series(Map.of("namespace", "ns", "service", "a", "step", "15s"), NOW, "c1", WIDTH));
        fails("parameter 'minDurationMs' must be a non-negative number of milliseconds, got '-4'",
                () -> QueryParameters.traces(Map.of("minDurationMs", "-4"), NOW));
        fails("parameter 'minDurationMs'", () -> QueryParameters.traces(Map.of("minDurationMs", "NaN"), NOW));
        fails("parameter 'error' must be 'true' or 'false', got 'yes'", () -> QueryParameters.traces(Map.of("error", "yes"), NOW));
        fails("parameter 'limit' must be an integer from 1 to 5000, got '100000'",
                () -> QueryParameters.logs(Map.of("limit", "100000"), NOW));
        fails("unknown parameter 'sevrity' for /telemetry/v1/logs; allowed: limit, namespace, q, scope, service, severity, traceId, window",
                () -> QueryParameters.logs(Map.of("sevrity", "ERROR"), NOW));
        fails("parameter 'kinds' must be a comma-separated list of service, workload, edge, workload_edge, endpoint; got 'edges'",
                () -> QueryParameters.snapshot(Map.of("kinds", "edges"), NOW));
        fails("parameter 'scope' must be 'local' or 'all', got 'galaxy'",
                () -> QueryParameters.services(Map.of("scope", "galaxy"), NOW));
    }
}
