package io.meshlane.control.telemetry.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.telemetry.signals.Peer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-key totals over [from, to), mergeable across stores: federation pulls peers' snapshots
 * as JSON ({@link #toJson()}, {@link #fromJson(JsonNode)}) and merges them with the local one
 * ({@link #merge(List)}); histograms merge bucket by bucket, so merged quantiles are exact to the
 * histogram's 1% resolution, as if one store had seen everything.
 */
public record AggregateSnapshot(Instant from, Instant to, List<SeriesTotals> series) {

    public AggregateSnapshot {
        series = List.copyOf(series);
    }

    public List<SeriesTotals> of(SeriesKind kind) {
        List<SeriesTotals> out = new ArrayList<>();
        for (SeriesTotals t : series) {
            if (t.key().kind() == kind) {
                out.add(t);
            }
        }
        return out;
    }

    /** Window length in seconds (at least one millisecond, so rates never divide by zero). */
    public double windowSeconds() {
        return Math.max(1, to.toEpochMilli() - from.toEpochMilli()) / 1000.0;
    }

    /** One snapshot of all the inputs: totals of equal keys add up; the window spans them all. */
    public static AggregateSnapshot merge(List<AggregateSnapshot> snapshots) {
        if (snapshots.isEmpty()) {
            throw new IllegalArgumentException("merge needs at least one snapshot");
        }
        Instant from = snapshots.getFirst().from();
        Instant to = snapshots.getFirst().to();
        Map<SeriesKey, SeriesTotals> byKey = new LinkedHashMap<>();
        for (AggregateSnapshot s : snapshots) {
            from = s.from().isBefore(from) ? s.from() : from;
            to = s.to().isAfter(to) ? s.to() : to;
            for (SeriesTotals t : s.series()) {
                byKey.merge(t.key(), t, SeriesTotals::plus);
            }
        }
        List<SeriesTotals> merged = new ArrayList<>(byKey.values());
        merged.sort(Comparator.comparing((SeriesTotals t) -> t.key().kind()));
        return new AggregateSnapshot(from, to, merged);
    }

    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("from", from.toString());
        root.put("to", to.toString());
        ArrayNode rows = root.putArray("series");
        LatencyHistogram.Encoder encoder = new LatencyHistogram.Encoder();
        for (SeriesTotals t : series) {
            ObjectNode row = rows.addObject();
            SeriesKey k = t.key();
            row.put("kind", k.kind().name());
            if (k.source() != SeriesKey.NO_PEER) {
                row.set("source", peerJson(k.source()));
            }
            row.set("destination", peerJson(k.destination()));
            row.put("operation", k.operation());
            ArrayNode w = row.putArray("workloads");
            t.workloads().forEach(w::add);
            row.put("requests", t.requests());
            row.put("errors", t.errors());
            row.put("approximate", t.approximate());
            row.put("tcpOpened", t.tcpOpened());
            row.put("tcpClosed", t.tcpClosed());
            row.put("sentBytes", t.sentBytes());
            row.put("receivedBytes", t.receivedBytes());
            row.put("maxMicros", t.latency().maxMicros());
            row.put("latency", encoder.encode(t.latency()));
        }
        return root;
    }

    /** Reads {@link #toJson()}'s document; IllegalArgumentException names the field that is wrong. */
    public static AggregateSnapshot fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("snapshot must be a JSON object with from, to and series");
        }
        Instant from = instant(json, "from");
        Instant to = instant(json, "to");
        JsonNode rows = json.get("series");
        if (rows == null || !rows.isArray()) {
            throw new IllegalArgumentException("snapshot.series must be an array");
        }
        List<SeriesTotals> series = new ArrayList<>(rows.size());
        int i = 0;
        for (JsonNode row : rows) {
            String where = "snapshot.series[" + i++ + "]";
            SeriesKind kind;
            try {
                kind = SeriesKind.valueOf(text(row, "kind", where));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ".kind must be one of " + List.of(SeriesKind.values()));
            }
            Peer source = row.has("source") ? peer(row.get("source"), where + ".source") : SeriesKey.NO_PEER;
            Peer destination = peer(row.get("destination"), where + ".destination");
            SeriesKey key = new SeriesKey(kind, source, destination, row.path("operation").asText(""));
            List<String> workloads = new ArrayList<>();
            row.path("workloads").forEach(n -> workloads.add(n.asText()));
            LatencyHistogram latency;
            try {
                latency = LatencyHistogram.decode(text(row, "latency", where), number(row, "maxMicros", where));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ".latency: " + e.getMessage(), e);
            }
            series.add(new SeriesTotals(key, workloads, number(row, "requests", where), number(row, "errors", where),
                    row.path("approximate").asBoolean(false), row.path("tcpOpened").asLong(0),
                    row.path("tcpClosed").asLong(0), row.path("sentBytes").asLong(0),
                    row.path("receivedBytes").asLong(0), latency));
        }
        return new AggregateSnapshot(from, to, series);
    }

    private static ObjectNode peerJson(Peer p) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("cluster", p.cluster());
        n.put("namespace", p.namespace());
        n.put("workload", p.workload());
        n.put("service", p.service());
        return n;
    }

    private static Peer peer(JsonNode n, String where) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException(where + " must be an object with cluster, namespace, workload, service");
        }
        return new Peer(n.path("cluster").asText(""), n.path("namespace").asText(""), n.path("workload").asText(""),
                n.path("service").asText(""));
    }

    private static Instant instant(JsonNode json, String field) {
        try {
            return Instant.parse(text(json, field, "snapshot"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("snapshot." + field + " must be an ISO-8601 instant, got "
                    + json.get(field));
        }
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(where + "." + field + " must be a string");
        }
        return v.asText();
    }

    private static long number(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong() || v.asLong() < 0) {
            throw new IllegalArgumentException(where + "." + field + " must be a non-negative integer");
        }
        return v.asLong();
    }
}
