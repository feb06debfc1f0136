package io.meshlane.control.telemetry.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.store.AggregateSnapshot;
import io.meshlane.control.telemetry.store.LatencyHistogram;
import io.meshlane.control.telemetry.store.SeriesKey;
import io.meshlane.control.telemetry.store.SeriesKind;
import io.meshlane.control.telemetry.store.SeriesTotals;
import io.meshlane.control.telemetry.store.ServiceSeries;
import io.meshlane.control.telemetry.store.TelemetryStatus;
import io.meshlane.control.telemetry.store.TraceSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The documents of docs/telemetry-api.md, as pure functions of what the stores returned (already
 * merged across clusters where the endpoint merges): no state, no I/O, so the HTTP layer decides
 * where data comes from and these decide only its shape.
 */
public final class TelemetryQueries {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private TelemetryQueries() {
    }

    /** GET /telemetry/v1/services. */
    public static ObjectNode services(AggregateSnapshot snapshot, String windowLabel) {
        ObjectNode doc = windowed(snapshot, windowLabel);
        ArrayNode rows = doc.putArray("services");
        List<SeriesTotals> services = new ArrayList<>(snapshot.of(SeriesKind.SERVICE));
        services.sort(Comparator.comparing(t -> SeriesKey.nodeId(t.key().destination(), false)));
        double seconds = snapshot.windowSeconds();
        for (SeriesTotals t : services) {
            Peer p = t.key().destination();
            ObjectNode row = rows.addObject();
            row.put("id", SeriesKey.nodeId(p, false));
            row.put("cluster", p.cluster());
            row.put("namespace", p.namespace());
            row.put("service", p.service());
            workloads(row, t.workloads());
            red(row, t, seconds);
            row.put("approximate", t.approximate());
        }
        return doc;
    }

    /** GET /telemetry/v1/topology: service (or workload) nodes and the calls between them. */
    public static ObjectNode topology(AggregateSnapshot snapshot, String windowLabel, boolean byWorkload) {
        ObjectNode doc = windowed(snapshot, windowLabel);
        doc.put("by", byWorkload ? "workload" : "service");
        double seconds = snapshot.windowSeconds();
        Map<String, ObjectNode> nodes = new TreeMap<>();
        for (SeriesTotals t : snapshot.of(byWorkload ? SeriesKind.WORKLOAD : SeriesKind.SERVICE)) {
            ObjectNode node = node(t.key().destination(), byWorkload);
            if (!byWorkload) {
                workloads(node, t.workloads());
            }
            node.put("rps", rate(t.requests(), seconds));
            node.put("errorRatio", ratio(t.errorRatio()));
            node.put("p99Ms", millis(t.latency().valueAtQuantile(0.99)));
            nodes.put(node.get("id").asText(), node);
        }
        Map<String, ObjectNode> edges = new TreeMap<>();
        for (SeriesTotals t : snapshot.of(byWorkload ? SeriesKind.WORKLOAD_EDGE : SeriesKind.EDGE)) {
            String source = SeriesKey.nodeId(t.key().source(), byWorkload);
            String target = SeriesKey.nodeId(t.key().destination(), byWorkload);
            nodes.computeIfAbsent(source, id -> quietNode(t.key().source(), byWorkload));
            nodes.computeIfAbsent(target, id -> quietNode(t.key().destination(), byWorkload));
            ObjectNode edge = JSON.objectNode();
            edge.put("id", source + "->" + target);
            edge.put("source", source);
            edge.put("target", target);
            edge.put("cluster", t.key().source().isUnknown() ? t.key().destination().cluster() : t.key().source().cluster());
            red(edge, t, seconds);
            edge.put("approximate", t.approximate());
            tcp(edge, t, seconds);
            edges.put(source + "->" + target, edge);
        }
        doc.putArray("nodes").addAll(nodes.values());
        doc.putArray("edges").addAll(edges.values());
        return doc;
    }

    /** GET /telemetry/v1/top: latency ranks by p99, errors by error ratio then error count. */
    public static ObjectNode top(AggregateSnapshot snapshot, QueryParameters.TopRequest request) {
        ObjectNode doc = windowed(snapshot, request.window().label());
        doc.put("by", request.by().name().toLowerCase(java.util.Locale.ROOT));
        doc.put("of", request.of().name().toLowerCase(java.util.Locale.ROOT));
        boolean endpoints = request.of() == QueryParameters.TopOf.ENDPOINTS;
        record Ranked(SeriesTotals totals, long p99) {
        }
        List<Ranked> ranked = new ArrayList<>();
        for (SeriesTotals t : snapshot.of(endpoints ? SeriesKind.ENDPOINT : SeriesKind.SERVICE)) {
            if (t.requests() > 0) {
                ranked.add(new Ranked(t, t.latency().valueAtQuantile(0.99)));
            }
        }
        Comparator<Ranked> order = request.by() == QueryParameters.TopBy.LATENCY
                ? Comparator.comparingLong(Ranked::p99).reversed()
                : Comparator.comparingDouble((Ranked r) -> r.totals().errorRatio()).reversed()
                        .thenComparing(Comparator.comparingLong((Ranked r) -> r.totals().errors()).reversed());
        ranked.sort(order.thenComparing(r -> rowId(r.totals(), endpoints)));
        ArrayNode rows = doc.putArray("rows");
        double seconds = snapshot.windowSeconds();
        for (Ranked r : ranked.subList(0, Math.min(request.n(), ranked.size()))) {
            SeriesTotals t = r.totals();
            Peer p = t.key().destination();
            ObjectNode row = rows.addObject();
            row.put("id", rowId(t, endpoints));
            row.put("cluster", p.cluster());
            row.put("namespace", p.namespace());
            row.put("service", p.service());
            if (endpoints) {
                row.put("operation", t.key().operation());
            }
            red(row, t, seconds);
            row.put("approximate", t.approximate());
        }
        return doc;
    }

    /** GET /telemetry/v1/series: per step, rps and latency quantiles (null quantiles where a step had no requests). */
    public static ObjectNode series(ServiceSeries series) {
        ObjectNode doc = JSON.objectNode();
        doc.put("service", SeriesKey.nodeId(series.key().destination(), false));
        doc.put("step", QueryParameters.format(series.step()));
        ArrayNode points = doc.putArray("points");
        double seconds = series.step().toMillis() / 1000.0;
        for (ServiceSeries.Point p : series.points()) {
            ObjectNode point = points.addObject();
            point.put("t", p.epochMillis());
            point.put("rps", rate(p.requests(), seconds));
            point.put("errorRatio", ratio(p.requests() == 0 ? 0 : (double) p.errors() / p.requests()));
            quantile(point, "p50Ms", p.latency(), 0.50);
            quantile(point, "p95Ms", p.latency(), 0.95);
            quantile(point, "p99Ms", p.latency(), 0.99);
        }
        return doc;
    }

    /**
     * GET /telemetry/v1/traces: several clusters' results merged, newest first, at most
     * {@code limit}; parts of one trace seen by several clusters become one row.
     */
    public static ObjectNode traces(List<List<TraceSummary>> results, int limit) {
        Map<String, TraceSummary> unique = new HashMap<>();
        for (List<TraceSummary> list : results) {
            for (TraceSummary t : list) {
                unique.merge(t.traceId(), t, TelemetryQueries::joinParts);
            }
        }
        List<TraceSummary> merged = new ArrayList<>(unique.values());
        merged.sort(Comparator.comparingLong(TraceSummary::startEpochNanos).reversed()
                .thenComparing(TraceSummary::traceId));
        ObjectNode doc = JSON.objectNode();
        ArrayNode rows = doc.putArray("traces");
        for (TraceSummary t : merged.subList(0, Math.min(limit, merged.size()))) {
            ObjectNode row = rows.addObject();
            row.put("traceId", t.traceId());
            row.put("cluster", t.cluster());
            row.put("rootService", t.rootService());
            row.put("rootName", t.rootName());
            row.put("startEpochMillis", t.startEpochNanos() / 1_000_000L);
            row.put("durationMs", t.durationNanos() / 1_000_000.0);
            row.put("spanCount", t.spanCount());
            row.put("error", t.error());
            ArrayNode services = row.putArray("services");
            t.services().forEach(services::add);
        }
        return doc;
    }

    /**
     * One trace that crossed clusters: each cluster saw a part. The part that starts first holds
     * the root, so its cluster and root name the trace; counts add, services join in start order.
     */
    private static TraceSummary joinParts(TraceSummary a, TraceSummary b) {
        TraceSummary first = a.startEpochNanos() <= b.startEpochNanos() ? a : b;
        TraceSummary second = first == a ? b : a;
        long end = Math.max(a.startEpochNanos() + a.durationNanos(), b.startEpochNanos() + b.durationNanos());
        java.util.LinkedHashSet<String> services = new java.util.LinkedHashSet<>(first.services());
        services.addAll(second.services());
        return new TraceSummary(first.traceId(), first.cluster(), first.rootService(), first.rootName(),
                first.startEpochNanos(), end - first.startEpochNanos(), a.spanCount() + b.spanCount(),
                a.error() || b.error(), List.copyOf(services));
    }

    /** Reads a peer's /traces document back into summaries, for {@link #traces(List, int)}. */
    public static List<TraceSummary> traceSummaries(JsonNode doc) {
        JsonNode rows = array(doc, "traces");
        List<TraceSummary> out = new ArrayList<>();
        for (JsonNode r : rows) {
            List<String> services = new ArrayList<>();
            r.path("services").forEach(s -> services.add(s.asText()));
            out.add(new TraceSummary(r.path("traceId").asText(), r.path("cluster").asText(""),
                    r.path("rootService").asText(""), r.path("rootName").asText(""),
                    r.path("startEpochMillis").asLong() * 1_000_000L, Math.round(r.path("durationMs").asDouble() * 1e6),
                    r.path("spanCount").asInt(), r.path("error").asBoolean(), services));
        }
        return out;
    }

    /**
     * GET /telemetry/v1/traces/{id}: spans (from any clusters, duplicates by span id dropped)
     * ordered by start, with offsets from the trace start and depth from parent links; a span
     * whose parent is missing sits at depth 0.
     */
    public static ObjectNode waterfall(String traceId, List<SpanRecord> spans) {
        Map<String, SpanRecord> byId = new LinkedHashMap<>();
        for (SpanRecord s : spans) {
            byId.putIfAbsent(s.spanId(), s);
        }
        List<SpanRecord> ordered = new ArrayList<>(byId.values());
        ordered.sort(Comparator.comparingLong(SpanRecord::startEpochNanos).thenComparing(SpanRecord::spanId));
        long start = ordered.stream().mapToLong(SpanRecord::startEpochNanos).min().orElse(0);
        long end = ordered.stream().mapToLong(SpanRecord::endEpochNanos).max().orElse(0);
        Map<String, Integer> depths = new HashMap<>();
        ObjectNode doc = JSON.objectNode();
        doc.put("traceId", traceId);
        doc.put("durationMs", (end - start) / 1_000_000.0);
        doc.put("startEpochMillis", start / 1_000_000L);
        ArrayNode rows = doc.putArray("spans");
        for (SpanRecord s : ordered) {
            ObjectNode row = rows.addObject();
            row.put("spanId", s.spanId());
            row.put("parentSpanId", s.parentSpanId());
            row.put("service", s.service().service());
            row.put("cluster", s.service().cluster());
            row.put("namespace", s.service().namespace());
            row.put("workload", s.service().workload());
            row.put("name", s.name());
            row.put("kind", s.kind().name());
            row.put("offsetMs", (s.startEpochNanos() - start) / 1_000_000.0);
            row.put("durationMs", s.durationNanos() / 1_000_000.0);
            row.put("depth", depth(s, byId, depths));
            row.put("error", s.failed());
            row.put("httpStatus", s.httpStatus());
            if (!s.peerService().isEmpty()) {
                row.put("peerService", s.peerService());
            }
            if (!s.statusMessage().isEmpty()) {
                row.put("statusMessage", s.statusMessage());
            }
            ObjectNode attributes = row.putObject("attributes");
            new TreeMap<>(s.attributes()).forEach(attributes::put);
        }
        return doc;
    }

    /** Parent links may form a cycle in bad data: a walk longer than the trace stops at the cycle. */
    private static int depth(SpanRecord s, Map<String, SpanRecord> byId, Map<String, Integer> memo) {
        Integer known = memo.get(s.spanId());
        if (known != null) {
            return known;
        }
        int depth = 0;
        Set<String> seen = new HashSet<>();
        SpanRecord at = s;
        seen.add(at.spanId());
        while (!at.parentSpanId().isEmpty() && byId.containsKey(at.parentSpanId()) && seen.add(at.parentSpanId())) {
            at = byId.get(at.parentSpanId());
            Integer above = memo.get(at.spanId());
            if (above != null) {
                depth += above + 1;
                break;
            }
            depth++;
        }
        memo.put(s.spanId(), depth);
        return depth;
    }

    /** Reads a peer's waterfall back into spans, to merge a trace that crossed clusters. */
    public static List<SpanRecord> spans(JsonNode waterfall) {
        JsonNode rows = array(waterfall, "spans");
        long start = waterfall.path("startEpochMillis").asLong() * 1_000_000L;
        String traceId = waterfall.path("traceId").asText("");
        List<SpanRecord> out = new ArrayList<>();
        for (JsonNode r : rows) {
            long begin = start + Math.round(r.path("offsetMs").asDouble() * 1e6);
            long end = begin + Math.round(r.path("durationMs").asDouble() * 1e6);
            SpanKind kind;
            try {
                kind = SpanKind.valueOf(r.path("kind").asText("UNSPECIFIED"));
            } catch (IllegalArgumentException e) {
                kind = SpanKind.UNSPECIFIED;
            }
            Map<String, String> attributes = new LinkedHashMap<>();
            r.path("attributes").properties().forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
            Peer service = new Peer(r.path("cluster").asText(""), r.path("namespace").asText(""),
                    r.path("workload").asText(""), r.path("service").asText(""));
            out.add(new SpanRecord(traceId, r.path("spanId").asText(), r.path("parentSpanId").asText(""),
                    r.path("name").asText(""), kind, service, r.path("peerService").asText(""), begin, end,
                    r.path("error").asBoolean(), r.path("httpStatus").asInt(), r.path("statusMessage").asText(""),
                    attributes));
        }
        return out;
    }

    /** GET /telemetry/v1/logs: several clusters' results merged, newest first, at most {@code limit}. */
    public static ObjectNode logs(List<List<LogRecord>> results, int limit) {
        List<LogRecord> merged = new ArrayList<>();
        results.forEach(merged::addAll);
        merged.sort(Comparator.comparingLong(LogRecord::epochNanos).reversed());
        ObjectNode doc = JSON.objectNode();
        ArrayNode rows = doc.putArray("logs");
        for (LogRecord r : merged.subList(0, Math.min(limit, merged.size()))) {
            ObjectNode row = rows.addObject();
            row.put("epochMillis", r.epochNanos() / 1_000_000L);
            row.put("epochNanos", r.epochNanos());
            row.put("cluster", r.source().cluster());
            row.put("namespace", r.source().namespace());
            row.put("service", r.source().service());
            row.put("workload", r.source().workload());
            row.put("severity", r.severity());
            row.put("body", r.body());
            row.put("traceId", r.traceId());
            row.put("spanId", r.spanId());
            ObjectNode attributes = row.putObject("attributes");
            new TreeMap<>(r.attributes()).forEach(attributes::put);
        }
        return doc;
    }

    /** Reads a peer's /logs document back into records, for {@link #logs(List, int)}. */
    public static List<LogRecord> logRecords(JsonNode doc) {
        List<LogRecord> out = new ArrayList<>();
        for (JsonNode r : array(doc, "logs")) {
            long nanos = r.has("epochNanos") ? r.path("epochNanos").asLong() : r.path("epochMillis").asLong() * 1_000_000L;
            Map<String, String> attributes = new LinkedHashMap<>();
            r.path("attributes").properties().forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
            out.add(new LogRecord(nanos, new Peer(r.path("cluster").asText(""), r.path("namespace").asText(""),
                    r.path("workload").asText(""), r.path("service").asText("")), r.path("severity").asText(""),
                    r.path("body").asText(""), r.path("traceId").asText(""), r.path("spanId").asText(""), attributes));
        }
        return out;
    }

    /** The store's part of GET /telemetry/v1/status (the lead adds exporters and peers). */
    public static ObjectNode status(TelemetryStatus s) {
        ObjectNode doc = JSON.objectNode();
        ObjectNode memory = doc.putObject("memory");
        memory.put("usedBytes", s.memoryUsedBytes());
        memory.put("budgetBytes", s.memoryBudgetBytes());
        memory.putObject("aggregates").put("usedBytes", s.aggregateBytes()).put("budgetBytes", s.aggregateBudgetBytes());
        memory.putObject("traces").put("usedBytes", s.traceBytes()).put("budgetBytes", s.traceBudgetBytes());
        memory.putObject("logs").put("usedBytes", s.logBytes()).put("budgetBytes", s.logBudgetBytes());
        ObjectNode evictions = doc.putObject("evictions");
        evictions.put("aggregateSlots", s.evictedAggregateCells());
        evictions.put("traces", s.evictedTraces());
        evictions.put("logs", s.evictedLogs());
        ObjectNode series = doc.putObject("series");
        series.put("alive", s.seriesAlive());
        series.put("cap", s.seriesCap());
        series.put("capped", s.capped());
        ObjectNode stored = doc.putObject("stored");
        stored.put("traces", s.traces());
        stored.put("spans", s.spans());
        stored.put("logs", s.logs());
        ObjectNode ingest = doc.putObject("ingest");
        ingest.put("accepted", s.accepted());
        ingest.put("rejected", s.rejected());
        return doc;
    }

    private static JsonNode array(JsonNode doc, String field) {
        JsonNode rows = doc == null ? null : doc.get(field);
        if (rows == null || !rows.isArray()) {
            throw new IllegalArgumentException("peer answer must be an object with a '" + field + "' array");
        }
        return rows;
    }

    private static ObjectNode windowed(AggregateSnapshot snapshot, String windowLabel) {
        ObjectNode doc = JSON.objectNode();
        doc.put("window", windowLabel);
        doc.put("from", snapshot.from().toString());
        doc.put("to", snapshot.to().toString());
        return doc;
    }

    private static ObjectNode node(Peer p, boolean workloadLevel) {
        ObjectNode node = JSON.objectNode();
        node.put("id", SeriesKey.nodeId(p, workloadLevel));
        if (p.isUnknown()) {
            node.put("kind", "unknown");
            node.put("cluster", "");
            node.put("namespace", "");
            node.put("name", "unknown");
            return node;
        }
        node.put("kind", workloadLevel ? "workload" : "service");
        node.put("cluster", p.cluster());
        node.put("namespace", p.namespace());
        node.put("name", workloadLevel ? p.workload() : p.service());
        if (workloadLevel) {
            node.put("service", p.service());
        }
        return node;
    }

    /** A node seen only as a caller (or a callee that reported nothing itself). */
    private static ObjectNode quietNode(Peer p, boolean workloadLevel) {
        ObjectNode node = node(p, workloadLevel);
        if (!workloadLevel) {
            node.putArray("workloads");
        }
        node.put("rps", 0.0);
        node.put("errorRatio", 0.0);
        node.putNull("p99Ms");
        return node;
    }

    private static String rowId(SeriesTotals t, boolean endpoint) {
        String id = SeriesKey.nodeId(t.key().destination(), false);
        return endpoint ? id + " " + t.key().operation() : id;
    }

    private static void workloads(ObjectNode row, List<String> workloads) {
        ArrayNode w = row.putArray("workloads");
        workloads.stream().sorted().forEach(w::add);
    }

    private static void red(ObjectNode row, SeriesTotals t, double seconds) {
        row.put("requests", t.requests());
        row.put("errors", t.errors());
        row.put("rps", rate(t.requests(), seconds));
        row.put("errorRatio", ratio(t.errorRatio()));
        LatencyHistogram h = t.latency();
        quantile(row, "p50Ms", h, 0.50);
        quantile(row, "p95Ms", h, 0.95);
        quantile(row, "p99Ms", h, 0.99);
        quantile(row, "maxMs", h, 1.0);
    }

    /**
     * Istio's istio_tcp_* view of a row: {@code protocol} is "http" when the row carried requests, "tcp" when it
     * carried only TCP traffic (a plain TCP service: no requests, no latency), so a viewer shows bytes/s and
     * connections instead of an empty request rate.
     */
    private static void tcp(ObjectNode row, SeriesTotals t, double seconds) {
        boolean tcpOnly = t.requests() == 0 && (t.tcpOpened() > 0 || t.tcpClosed() > 0 || t.sentBytes() > 0 || t.receivedBytes() > 0);
        row.put("protocol", tcpOnly ? "tcp" : "http");
        row.put("tcpConnections", t.tcpOpened());
        row.put("tcpConnectionsClosed", t.tcpClosed());
        row.put("tcpSentBytes", t.sentBytes());
        row.put("tcpReceivedBytes", t.receivedBytes());
        row.put("tcpBytesPerSecond", rate(t.sentBytes() + t.receivedBytes(), seconds));
    }

    private static void quantile(ObjectNode row, String field, LatencyHistogram h, double q) {
        if (h.totalCount() == 0) {
            row.putNull(field);
        } else {
            row.put(field, millis(h.valueAtQuantile(q)));
        }
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }

    private static double rate(long count, double seconds) {
        return Math.round(count / seconds * 1000.0) / 1000.0;
    }

    private static double ratio(double r) {
        return Math.round(r * 1_000_000.0) / 1_000_000.0;
    }
}
