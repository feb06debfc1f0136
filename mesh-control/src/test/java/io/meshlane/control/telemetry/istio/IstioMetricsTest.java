package io.meshlane.control.telemetry.istio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.TcpSample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IstioMetricsTest {
    private static final long CREATED = 1_000_000L;
    private static final double[] BOUNDS = {10, 100, 1000};

    private static Map<String, String> labels(String src, String dst, int code, String reporter) {
        Map<String, String> m = new HashMap<>();
        m.put("reporter", reporter);
        m.put("source_workload", src + "-v1");
        m.put("source_workload_namespace", "bookinfo");
        m.put("source_canonical_service", src);
        m.put("source_cluster", "east");
        m.put("destination_workload", dst + "-v1");
        m.put("destination_workload_namespace", "bookinfo");
        m.put("destination_service_name", dst);
        m.put("destination_cluster", "unknown");
        m.put("response_code", Integer.toString(code));
        return m;
    }

    private static MetricPoint hist(String scope, Map<String, String> l, long start, long... counts) {
        return MetricPoint.histogram(scope, "istio_request_duration_milliseconds", l, true, start, CREATED + 10_000, BOUNDS, counts);
    }

    private static MetricPoint counter(String scope, String name, Map<String, String> l, long start, double v) {
        return MetricPoint.counter(scope, name, l, true, start, CREATED + 10_000, v);
    }

    @Test
    void cumulativeHistogramsBecomeDeltasAfterABaseline() {
        IstioMetrics istio = new IstioMetrics(1000, CREATED);
        Map<String, String> l = labels("productpage", "reviews", 200, "destination");
        long oldStart = CREATED - 5000;

        IstioMetricsResult first = istio.map(List.of(hist("p", l, oldStart, 5, 3, 0, 0)));
        IstioMetricsResult second = istio.map(List.of(hist("p", l, oldStart, 7, 10, 1, 0)));

        assertTrue(first.requests().isEmpty(), "a series older than the receiver is a baseline");
        assertEquals(1, first.understood());
        RequestBuckets b = second.requests().getFirst();
        assertArrayEquals(new long[] {2, 7, 1, 0}, b.counts());
        assertArrayEquals(BOUNDS, b.upperBoundsMillis());
        assertEquals("productpage", b.source().service());
        assertEquals("reviews-v1", b.destination().workload());
        assertEquals("reviews", b.destination().service(), "destination_service_name is the fallback");
        assertEquals("", b.destination().cluster(), "Istio's 'unknown' becomes empty");
        assertEquals(200, b.responseCode());
        assertFalse(b.error());
    }

    @Test
    void seriesStartedAfterTheReceiverCountInFullAndResetsRestart() {
        IstioMetrics istio = new IstioMetrics(1000, CREATED);
        Map<String, String> l = labels("reviews", "ratings", 503, "destination");

        RequestBuckets fresh = istio.map(List.of(hist("p", l, CREATED + 1, 1, 1, 1, 1))).requests().getFirst();
        RequestBuckets restarted = istio.map(List.of(hist("p", l, CREATED + 2, 0, 2, 0, 0))).requests().getFirst();
        RequestBuckets dropped = istio.map(List.of(hist("p", l, CREATED + 2, 0, 1, 0, 0))).requests().getFirst();

        assertArrayEquals(new long[] {1, 1, 1, 1}, fresh.counts());
        assertTrue(fresh.error(), "5xx is an error");
        assertArrayEquals(new long[] {0, 2, 0, 0}, restarted.counts(), "a new start time restarts the series");
        assertArrayEquals(new long[] {0, 1, 0, 0}, dropped.counts(), "a decrease is a reset too");
    }

    @Test
    void requestsTotalCountsOnlyWhereNoDurationHistogramExists() {
        IstioMetrics istio = new IstioMetrics(1000, CREATED);
        Map<String, String> withHist = labels("a", "b", 200, "destination");
        Map<String, String> countOnly = labels("a", "c", 200, "destination");
        countOnly.put("grpc_response_status", "14");
        long start = CREATED + 1;

        IstioMetricsResult r = istio.map(List.of(hist("p", withHist, start, 4, 0, 0, 0),
                counter("p", "istio_requests_total", withHist, start, 4),
                counter("p", "istio.requests", countOnly, start, 6)));

        assertEquals(2, r.requests().size());
        RequestBuckets h = r.requests().stream().filter(b -> b.destination().service().equals("b")).findFirst().orElseThrow();
        RequestBuckets c = r.requests().stream().filter(b -> b.destination().service().equals("c")).findFirst().orElseThrow();
        assertEquals(4, h.counts()[0] + h.counts()[1] + h.counts()[2] + h.counts()[3]);
        assertEquals(0, c.upperBoundsMillis().length, "requests with unknown latency: no bounds");
        assertArrayEquals(new long[] {6}, c.counts());
        assertTrue(c.error(), "a gRPC status other than 0 is an error");
        assertEquals(3, r.understood());
    }

    @Test
    void destinationReportsWinOverSourceReportsOfTheSameCall() {
        IstioMetrics istio = new IstioMetrics(1000, CREATED);
        long start = CREATED + 1;
        List<MetricPoint> both = List.of(hist("src-proxy", labels("a", "b", 200, "source"), start, 3, 0, 0, 0),
                hist("dst-proxy", labels("a", "b", 200, "destination"), start, 3, 0, 0, 0),
                hist("src-proxy", labels("a", "external", 200, "source"), start, 2, 0, 0, 0));

        List<RequestBuckets> r = istio.map(both).requests();

        assertEquals(2, r.size(), r.toString());
        assertEquals(3, r.stream().filter(b -> b.destination().service().equals("b")).mapToLong(b -> b.counts()[0]).sum());
        assertEquals(2, r.stream().filter(b -> b.destination().service().equals("external")).mapToLong(b -> b.counts()[0]).sum());
    }

    @Test
    void tcpCountersMergePerEdgeAndDeltaTemporalityIsUsedAsIs() {
        IstioMetrics istio = new IstioMetrics(1000, CREATED);
        Map<String, String> l = labels("a", "db", 0, "source");
        List<MetricPoint> pts = new ArrayList<>();
        pts.add(MetricPoint.counter("p", "istio_tcp_connections_opened_total", l, false, 0, CREATED, 3));
        pts.add(MetricPoint.counter("p", "istio_tcp_connections_closed_total", l, false, 0, CREATED, 2));
        pts.add(MetricPoint.counter("p", "istio_tcp_sent_bytes_total", l, false, 0, CREATED, 1000));
        pts.add(MetricPoint.counter("p", "istio_tcp_received_bytes_total", l, false, 0, CREATED, 4000));
        pts.add(MetricPoint.other("p", "process_cpu_seconds_total", Map.of(), CREATED));
        pts.add(MetricPoint.counter("p", "envoy_cluster_upstream_rq_total", l, true, 0, CREATED, 1));

        IstioMetricsResult r = istio.map(pts);

        List<TcpSample> tcp = r.tcp();
        assertEquals(1, tcp.size());
        assertEquals(new TcpSample(tcp.getFirst().source(), tcp.getFirst().destination(), 3, 2, 1000, 4000, CREATED), tcp.getFirst());
        assertEquals("db", tcp.getFirst().destination().service());
        assertEquals(4, r.understood());
        assertEquals(2, r.notUnderstood());
    }

    @Test
    void malformedPointsAreRejectedWithAReasonAndOthersStillCount() {
        IstioMetrics istio = new IstioMetrics(1000, CREATED);
        Map<String, String> l = labels("a", "b", 200, "destination");
        MetricPoint wrongCounts = MetricPoint.histogram("p", "istio_request_duration_milliseconds", l, false, 0, CREATED, BOUNDS, new long[] {1, 2});
        MetricPoint negative = MetricPoint.counter("p", "istio_requests_total", labels("x", "y", 200, ""), false, 0, CREATED, -4);
        MetricPoint good = MetricPoint.histogram("p", "istio_request_duration_milliseconds", labels("c", "d", 200, ""), false, 0, CREATED,
                BOUNDS, new long[] {1, 0, 0, 0});

        IstioMetricsResult r = istio.map(List.of(wrongCounts, negative, good));

        assertEquals(2, r.rejected());
        assertTrue(r.firstRejection().contains("2 bucket counts for 3 bounds"), r.firstRejection());
        assertEquals(1, r.requests().size());
    }

    @Test
    void deltaMemoryIsBoundedAndEvictionsAreCounted() {
        IstioMetrics istio = new IstioMetrics(160, CREATED);
        List<MetricPoint> pts = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            pts.add(counter("p", "istio_requests_total", labels("a", "svc" + i, 200, "destination"), CREATED - 1, i));
        }

        istio.map(pts);

        assertTrue(istio.seriesTracked() <= 160, "tracked " + istio.seriesTracked());
        assertEquals(5000 - istio.seriesTracked(), istio.seriesEvicted());
    }
}
