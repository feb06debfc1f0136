package io.meshlane.lab.http;

import com.google.protobuf.ByteString;
import io.meshlane.lab.node.LabAssertions;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.LabState;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodFile;
import io.meshlane.lab.spec.TelemetrySpec;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * labs/bookinfo.yaml in network namespaces (ebpf mode, sidecars with telemetry) exporting to an
 * OTLP/HTTP receiver on the host's loopback through the lab's gateway: traces cross all three
 * hops, the relays report Istio's TCP metrics for the right workload pairs, access logs carry
 * trace ids, the load client writes its latency summary, and a dead receiver breaks nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TelemetryLabTest {
    private static final String LAB = "ttel";
    private static final String LOADGEN = "bookinfo/loadgen-0";
    private static OtlpReceiver receiver;
    private static NodeLab lab;
    private static List<Long> pids = List.of();

    @BeforeAll
    static void up() throws Exception {
        NodeLab.down(LAB);
        receiver = new OtlpReceiver();
        LabSpec spec = PodFile.read(Path.of("labs/bookinfo.yaml")).withName(LAB)
                .withTelemetry(TelemetrySpec.http(receiver.endpoint()));
        lab = NodeLab.up(spec);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            pids = lab.processes().stream().map(LabState.Proc::pid).toList();
            keepLogs(lab.layout().logDir(), Path.of("target", LAB + "-logs"));
        }
        if (receiver != null) {
            receiver.close();
        }
        NodeLab.down(LAB);
        LabAssertions.assertNothingLeft(LAB, pids);
    }

    /** The pods' logs outlive the lab in target/ for a failure's diagnosis. */
    private static void keepLogs(Path from, Path to) {
        try (var files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (java.io.IOException e) {
            System.err.println("cannot keep the lab's logs: " + e);
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    private record Received(String service, Map<String, String> resource, Span span) { }

    private static List<Received> spans() {
        List<Received> out = new ArrayList<>();
        for (var rs : receiver.spans) {
            Map<String, String> res = rs.getResource().getAttributesList().stream()
                    .collect(Collectors.toMap(kv -> kv.getKey(), kv -> OtlpReceiver.attr(List.of(kv), kv.getKey()), (a, b) -> a));
            rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(s -> out.add(new Received(res.get("service.name"), res, s))));
        }
        return out;
    }

    private static List<Received> spans(String service, Span.SpanKind kind) {
        return spans().stream().filter(r -> service.equals(r.service()) && r.span().getKind() == kind).toList();
    }

    @Test
    @Order(1)
    void loadClientWritesItsHdrHistogramSummary() throws Exception {
        Path file = lab.latencySummary(lab.pod(LOADGEN));
        await("the load client's summary " + file, Duration.ofSeconds(60), () -> Files.exists(file));
        LatencySummary summary = LatencySummary.read(file);
        assertEquals(100, summary.count(), "20/s for 5 s: " + summary);
        assertEquals(0, summary.errors(), summary.toString());
        assertTrue(summary.p50Micros() > 0 && summary.p50Micros() <= summary.p95Micros()
                && summary.p95Micros() <= summary.p99Micros() && summary.p99Micros() <= summary.maxMicros(), summary.toString());
        // 5 of the 100 requests met reviews' injected 150 ms: the client's p99 sees them
        assertTrue(summary.p99Micros() >= 150_000, "the injected slow requests show in the client's p99: " + summary);
    }

    @Test
    @Order(2)
    void traceparentCrossesAllThreeHops() throws Exception {
        await("100 complete traces loadgen → productpage → reviews → ratings", Duration.ofSeconds(30),
                () -> completeTraces().size() >= 100);
        Map<ByteString, Span> roots = spans("loadgen", Span.SpanKind.SPAN_KIND_CLIENT).stream()
                .collect(Collectors.toMap(r -> r.span().getTraceId(), Received::span));
        Map<ByteString, Span> pages = byTrace(spans("productpage", Span.SpanKind.SPAN_KIND_SERVER));
        for (ByteString trace : completeTraces()) {
            Span root = roots.get(trace);
            assertTrue(root.getParentSpanId().isEmpty(), "the load client's span is the root");
            assertEquals("GET /productpage", root.getName());
            assertEquals(root.getSpanId(), pages.get(trace).getParentSpanId(), "productpage's SERVER span is a child of loadgen's CLIENT span");
        }
        // each service flushes its own batches: wait until every reviews SERVER span's parent has arrived
        await("productpage's CLIENT spans, parents of reviews' SERVER spans", Duration.ofSeconds(30),
                () -> orphans().isEmpty());
        Map<ByteString, Span> clients = byTrace(spans("productpage", Span.SpanKind.SPAN_KIND_CLIENT));
        for (ByteString trace : completeTraces()) {
            assertEquals(clients.get(trace).getSpanId(), byTrace(spans("reviews", Span.SpanKind.SPAN_KIND_SERVER))
                    .get(trace).getParentSpanId(), "reviews' SERVER span is a child of productpage's CLIENT span");
        }
        Received reviews = spans("reviews", Span.SpanKind.SPAN_KIND_SERVER).getFirst();
        assertEquals("bookinfo", reviews.resource().get("k8s.namespace.name"));
        assertEquals("reviews", reviews.resource().get("k8s.deployment.name"));
        assertEquals("reviews-0", reviews.resource().get("k8s.pod.name"));
        assertEquals("lab", reviews.resource().get("k8s.cluster.name"));
        Span server = reviews.span();
        assertEquals("GET", OtlpReceiver.attr(server.getAttributesList(), "http.request.method"));
        assertEquals("/reviews", OtlpReceiver.attr(server.getAttributesList(), "http.route"));
        assertEquals("/reviews", OtlpReceiver.attr(server.getAttributesList(), "url.path"));
        assertEquals("200", OtlpReceiver.attr(server.getAttributesList(), "http.response.status_code"));
    }

    /** reviews SERVER spans whose parent span id is not one of productpage's CLIENT spans (in the same trace). */
    private static List<Span> orphans() {
        Set<ByteString> clientIds = spans("productpage", Span.SpanKind.SPAN_KIND_CLIENT).stream()
                .map(r -> r.span().getTraceId().concat(r.span().getSpanId())).collect(Collectors.toSet());
        return spans("reviews", Span.SpanKind.SPAN_KIND_SERVER).stream().map(Received::span)
                .filter(s -> !clientIds.contains(s.getTraceId().concat(s.getParentSpanId()))).toList();
    }

    private static Map<ByteString, Span> byTrace(List<Received> spans) {
        Map<ByteString, Span> map = new HashMap<>();
        spans.forEach(r -> map.put(r.span().getTraceId(), r.span()));
        return map;
    }

    private static Set<ByteString> completeTraces() {
        Set<ByteString> traces = spans("loadgen", Span.SpanKind.SPAN_KIND_CLIENT).stream()
                .map(r -> r.span().getTraceId()).collect(Collectors.toSet());
        for (String service : List.of("productpage", "reviews", "ratings")) {
            traces.retainAll(byTrace(spans(service, Span.SpanKind.SPAN_KIND_SERVER)).keySet());
        }
        return traces;
    }

    @Test
    @Order(3)
    void clientSpansNameTheirPeerAndSlowRequestsCarryTheDelay() throws Exception {
        await("client spans of every caller", Duration.ofSeconds(30), () -> spans("reviews", Span.SpanKind.SPAN_KIND_CLIENT).size() >= 100);
        Map<String, String> callee = Map.of("loadgen", "productpage", "productpage", "reviews", "reviews", "ratings");
        LabPod ratings = lab.pod("bookinfo/ratings-0");
        callee.forEach((caller, peer) -> {
            for (Received r : spans(caller, Span.SpanKind.SPAN_KIND_CLIENT)) {
                assertEquals(peer, OtlpReceiver.attr(r.span().getAttributesList(), "peer.service"), caller + " CLIENT span");
                assertEquals("200", OtlpReceiver.attr(r.span().getAttributesList(), "http.response.status_code"));
                assertEquals("9080", OtlpReceiver.attr(r.span().getAttributesList(), "server.port"));
            }
        });
        assertEquals(ratings.ip(), OtlpReceiver.attr(spans("reviews", Span.SpanKind.SPAN_KIND_CLIENT).getFirst().span()
                .getAttributesList(), "server.address"));
        List<Span> slow = spans("reviews", Span.SpanKind.SPAN_KIND_SERVER).stream().map(Received::span)
                .filter(s -> "150".equals(OtlpReceiver.attr(s.getAttributesList(), "lab.injected_delay_ms"))).toList();
        assertEquals(5, slow.size(), "every 20th request was slowed: 5 of the 100 measured (the 100 warm-up requests are not sampled)");
        for (Span s : slow) {
            long millis = (s.getEndTimeUnixNano() - s.getStartTimeUnixNano()) / 1_000_000;
            assertTrue(millis >= 150, "slowed span lasted " + millis + " ms");
        }
    }

    private static long metric(String name, Map<String, String> labels) {
        long max = -1;
        for (var rm : receiver.metrics) {
            for (var sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    if (!m.getName().equals(name) || !m.hasSum()) {
                        continue;
                    }
                    for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                        boolean match = labels.entrySet().stream().allMatch(e ->
                                e.getValue().equals(OtlpReceiver.attr(p.getAttributesList(), e.getKey())));
                        if (match) {
                            max = Math.max(max, p.getAsInt());
                        }
                    }
                }
            }
        }
        return max;
    }

    @Test
    @Order(4)
    void relaysReportIstioTcpMetricsForTheRightWorkloadPair() throws Exception {
        Map<String, String> source = Map.of("reporter", "source", "source_workload", "productpage",
                "source_workload_namespace", "bookinfo", "source_canonical_service", "productpage", "source_cluster", "lab",
                "destination_workload", "reviews", "destination_workload_namespace", "bookinfo",
                "destination_canonical_service", "reviews", "destination_cluster", "lab");
        Map<String, String> destination = new HashMap<>(source);
        destination.put("reporter", "destination");
        for (Map<String, String> labels : List.of(source, destination)) {
            await("istio_tcp_*_bytes_total " + labels, Duration.ofSeconds(30),
                    () -> metric("istio_tcp_sent_bytes_total", labels) > 0 && metric("istio_tcp_received_bytes_total", labels) > 0);
            assertTrue(metric("istio_tcp_connections_opened_total", labels) >= 1, "connections opened " + labels);
        }
        // productpage sent 100 GETs with a traceparent each: far more than 100 bytes each way
        assertTrue(metric("istio_tcp_received_bytes_total", source) > 100 * 100, "request bytes");
        Map<String, String> reverse = new HashMap<>(source);
        reverse.put("source_workload", "reviews");
        reverse.put("destination_workload", "productpage");
        assertEquals(-1, metric("istio_tcp_sent_bytes_total", reverse), "no reviews → productpage connections exist");
        boolean sdkSelfMetrics = receiver.metrics.stream().flatMap(rm -> rm.getScopeMetricsList().stream())
                .flatMap(sm -> sm.getMetricsList().stream()).map(Metric::getName)
                .anyMatch(n -> n.equals("processedSpans") || n.startsWith("otel.sdk.processor.span")
                        || n.startsWith("otel.sdk.exporter.span"));
        assertTrue(sdkSelfMetrics, "the SDK's span processor counts are exported: " + receiver.metrics.stream()
                .flatMap(rm -> rm.getScopeMetricsList().stream()).flatMap(sm -> sm.getMetricsList().stream())
                .map(Metric::getName).distinct().toList());
    }

    @Test
    @Order(5)
    void accessLogsCarryTraceIds() throws Exception {
        await("access logs of reviews", Duration.ofSeconds(30), () -> accessLogs("reviews").size() >= 100);
        Set<ByteString> reviewTraces = byTrace(spans("reviews", Span.SpanKind.SPAN_KIND_SERVER)).keySet();
        for (LogRecord log : accessLogs("reviews")) {
            assertFalse(log.getTraceId().isEmpty(), "access log has a trace id: " + log.getBody());
            assertEquals(8, log.getSpanId().size());
            assertTrue(log.getBody().getStringValue().contains("\"GET /reviews HTTP/1.1\" 200"), log.getBody().getStringValue());
        }
        long matched = accessLogs("reviews").stream().filter(l -> reviewTraces.contains(l.getTraceId())).count();
        assertTrue(matched >= 100, "access logs share their request's trace: " + matched);
    }

    private static List<LogRecord> accessLogs(String service) {
        return receiver.logs.stream()
                .filter(rl -> service.equals(OtlpReceiver.attr(rl.getResource().getAttributesList(), "service.name")))
                .flatMap(rl -> rl.getScopeLogsList().stream()).flatMap(sl -> sl.getLogRecordsList().stream()).toList();
    }

    @Test
    @Order(6)
    void hungOrDeadEndpointBreaksNothing() {
        // a receiver that accepts and never answers: every export (spans, metrics, logs of every
        // hop) runs into its 2 s timeout; a request that waited for one would take >= 2 s
        receiver.blackhole();
        LatencySummary hung = HttpLoads.run(lab, LOADGEN, "productpage", 9080, "/productpage", 50, Duration.ofSeconds(3));
        assertEquals(150, hung.count(), hung.toString());
        assertEquals(0, hung.errors(), "every request answered 200 with the receiver hung: " + hung);
        assertTrue(hung.p50Micros() < 1_000_000, "requests do not wait on the hung exporter: " + hung);
        receiver.close();
        LatencySummary dead = HttpLoads.run(lab, LOADGEN, "productpage", 9080, "/productpage", 50, Duration.ofSeconds(3));
        assertEquals(150, dead.count(), dead.toString());
        assertEquals(0, dead.errors(), "every request answered 200 with the receiver gone: " + dead);
    }
}
