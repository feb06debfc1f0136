package io.meshlane.control.telemetry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.agents.NamespaceSwitch;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.ApiRequest;
import io.meshlane.control.http.ApiResponse;
import io.meshlane.control.http.Json;
import io.meshlane.control.http.MountedRoutes;
import io.meshlane.control.api.ResourceService;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.security.AccessPolicy;
import io.meshlane.control.security.Identity;
import io.meshlane.control.telemetry.federation.Federation;
import io.meshlane.control.telemetry.federation.PeerAnswer;
import io.meshlane.control.telemetry.query.QueryParameters;
import io.meshlane.control.telemetry.query.TelemetryQueries;
import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.store.AggregateSnapshot;
import io.meshlane.control.telemetry.store.SeriesKind;
import io.meshlane.control.telemetry.store.TelemetryStore;
import io.meshlane.control.telemetry.store.TraceSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code /telemetry/v1/...}: the JSON API of docs/telemetry-api.md. Reads answer from the local
 * store merged with the federation peers' (unless {@code scope=local}, which is also what peers
 * are asked with, so a federation of planes that name each other never loops).
 */
public final class TelemetryRoutes implements MountedRoutes {

    private static final String PREFIX = "/telemetry/v1/";
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");

    private final TelemetryStore store;
    private final Federation federation;
    private final AccessPolicy access;
    private final NamespaceSwitch namespaces;
    private final NodeStatsView nodes;
    private final Supplier<ObjectNode> exportStatus;

    public TelemetryRoutes(TelemetryStore store, Federation federation, AccessPolicy access, ResourceService resources,
                           KindRegistry registry, Supplier<ObjectNode> exportStatus) {
        this.store = store;
        this.federation = federation;
        this.access = access;
        this.namespaces = new NamespaceSwitch(resources, registry, store.config().localCluster());
        this.nodes = new NodeStatsView(resources.store(), registry);
        this.exportStatus = exportStatus;
    }

    @Override
    public ApiResponse handle(ApiRequest request, Identity who, String path) {
        if (!path.startsWith(PREFIX)) {
            throw ApiError.notFoundPath(path + " (the telemetry API lives under " + PREFIX + ", see docs/telemetry-api.md)");
        }
        String[] s = path.substring(PREFIX.length()).split("/");
        Map<String, String> query = new LinkedHashMap<>(request.query());
        boolean local = "local".equals(query.remove("scope"));
        try {
            if (s.length == 3 && s[0].equals("namespaces") && s[2].equals("acceleration")) {
                return switchNamespace(request, who, s[1]);
            }
            if (!request.method().equals("GET")) {
                throw ApiError.methodNotAllowed(request.method() + " " + path + " (the telemetry API is read-only, except PUT "
                        + PREFIX + "namespaces/<ns>/acceleration)");
            }
            Instant now = store.clock().instant();
            ObjectNode body = switch (s.length == 1 ? s[0] : s[0] + "/") {
                case "services" -> withPeers(local, EnumSet.of(SeriesKind.SERVICE), TelemetryQueries::services,
                        QueryParameters.services(query, now));
                case "topology" -> {
                    QueryParameters.TopologyRequest t = QueryParameters.topology(query, now);
                    yield withPeers(local, t.byWorkload() ? EnumSet.of(SeriesKind.WORKLOAD, SeriesKind.WORKLOAD_EDGE)
                                    : EnumSet.of(SeriesKind.SERVICE, SeriesKind.EDGE),
                            (merged, w) -> TelemetryQueries.topology(merged, w, t.byWorkload()), t.window());
                }
                case "top" -> {
                    QueryParameters.TopRequest t = QueryParameters.top(query, now);
                    yield withPeers(local, EnumSet.of(t.of() == QueryParameters.TopOf.ENDPOINTS ? SeriesKind.ENDPOINT : SeriesKind.SERVICE),
                            (merged, w) -> TelemetryQueries.top(merged, t), t.window());
                }
                case "series" -> series(query, now, local);
                case "snapshot" -> {
                    QueryParameters.SnapshotRequest r = QueryParameters.snapshot(query, now);
                    yield store.snapshot(r.window().from(), r.window().to(), r.kinds()).toJson();
                }
                case "traces" -> traces(query, now, local);
                case "traces/" -> trace(s, query, local);
                case "logs" -> logs(query, now, local);
                case "nodes" -> nodes(local);
                case "namespaces" -> namespaces.list();
                case "status" -> status();
                default -> throw ApiError.notFoundPath(path + " (see docs/telemetry-api.md for the telemetry endpoints)");
            };
            return ApiResponse.json(200, body);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    private interface Render {
        ObjectNode render(AggregateSnapshot merged, String windowLabel);
    }

    /** Renders the local snapshot merged with every answering peer's; peers that failed are listed. */
    private ObjectNode withPeers(boolean local, Set<SeriesKind> kinds, Render render, QueryParameters.Window window) {
        List<AggregateSnapshot> snapshots = new ArrayList<>();
        snapshots.add(store.snapshot(window.from(), window.to(), kinds));
        List<PeerAnswer> failed = new ArrayList<>();
        if (!local) {
            String kindList = kinds.stream().map(k -> k.name().toLowerCase(java.util.Locale.ROOT)).collect(Collectors.joining(","));
            for (PeerAnswer a : federation.ask(PREFIX + "snapshot", Map.of("window", window.label(), "kinds", kindList))) {
                if (a.ok()) {
                    snapshots.add(AggregateSnapshot.fromJson(a.document()));
                } else {
                    failed.add(a);
                }
            }
        }
        return withFailures(render.render(AggregateSnapshot.merge(snapshots), window.label()), failed);
    }

    private ObjectNode series(Map<String, String> query, Instant now, boolean local) {
        QueryParameters.SeriesRequest r = QueryParameters.series(query, now, store.config().localCluster(), store.config().bucketWidth());
        Supplier<ObjectNode> mine = () -> TelemetryQueries.series(store.series(r.cluster(), r.namespace(), r.service(),
                r.window().from(), r.window().to(), r.step()));
        if (local || r.cluster().equals(store.config().localCluster())) {
            return mine.get();
        }
        List<PeerAnswer> failed = new ArrayList<>();
        for (PeerAnswer a : federation.ask(PREFIX + "series", query)) {
            if (a.ok() && a.document().path("points").size() > 0) {
                return a.document().deepCopy();
            }
            if (!a.ok()) {
                failed.add(a);
            }
        }
        return withFailures(mine.get(), failed);
    }

    private ObjectNode traces(Map<String, String> query, Instant now, boolean local) {
        var q = QueryParameters.traces(query, now);
        List<PeerAnswer> failed = new ArrayList<>();
        List<List<TraceSummary>> results = gather(store.searchTraces(q), local, "traces", query, TelemetryQueries::traceSummaries, failed);
        return withFailures(TelemetryQueries.traces(results, q.limit()), failed);
    }

    /** The local result and every answering peer's (read back from its JSON); failed peers are added to {@code failed}. */
    private <T> List<List<T>> gather(List<T> mine, boolean local, String endpoint, Map<String, String> query,
                                     Function<JsonNode, List<T>> read, List<PeerAnswer> failed) {
        List<List<T>> results = new ArrayList<>();
        results.add(mine);
        if (!local) {
            for (PeerAnswer a : federation.ask(PREFIX + endpoint, query)) {
                if (a.ok()) {
                    results.add(read.apply(a.document()));
                } else {
                    failed.add(a);
                }
            }
        }
        return results;
    }

    /** One trace, with the spans every cluster holds of it: a trace that crossed clusters is whole. */
    private ObjectNode trace(String[] s, Map<String, String> query, boolean local) {
        String traceId = s.length == 2 ? s[1].toLowerCase(java.util.Locale.ROOT) : "";
        if (!TRACE_ID.matcher(traceId).matches()) {
            throw new IllegalArgumentException("a trace id is 32 hexadecimal characters, got '" + (s.length == 2 ? s[1] : "") + "'");
        }
        if (!query.isEmpty()) {
            throw new IllegalArgumentException("GET " + PREFIX + "traces/<id> takes no parameters except scope, got " + query.keySet());
        }
        List<SpanRecord> spans = new ArrayList<>(store.trace(traceId).orElse(List.of()));
        List<PeerAnswer> failed = new ArrayList<>();
        if (!local) {
            for (PeerAnswer a : federation.ask(PREFIX + "traces/" + traceId, Map.of())) {
                if (a.ok() && a.document() != null) {
                    spans.addAll(TelemetryQueries.spans(a.document()));
                } else if (!a.ok()) {
                    failed.add(a);
                }
            }
        }
        if (spans.isEmpty()) {
            throw new ApiError(404, "NotFound", "trace " + traceId + " is not (or no longer) held here"
                    + (federation.isEmpty() ? "" : " nor by the federation peers")
                    + "; traces are kept while the memory budget allows, search recent ones with " + PREFIX + "traces", null);
        }
        return withFailures(TelemetryQueries.waterfall(traceId, spans), failed);
    }

    private ObjectNode logs(Map<String, String> query, Instant now, boolean local) {
        var q = QueryParameters.logs(query, now);
        List<PeerAnswer> failed = new ArrayList<>();
        List<List<LogRecord>> results = gather(store.searchLogs(q), local, "logs", query, TelemetryQueries::logRecords, failed);
        return withFailures(TelemetryQueries.logs(results, q.limit()), failed);
    }

    private ObjectNode nodes(boolean local) {
        ObjectNode out = nodes.list();
        ArrayNode rows = (ArrayNode) out.get("nodes");
        rows.forEach(n -> {
            if (n.path("cluster").asText().isEmpty()) {
                ((ObjectNode) n).put("cluster", store.config().localCluster());
            }
        });
        List<PeerAnswer> failed = new ArrayList<>();
        if (!local) {
            for (PeerAnswer a : federation.ask(PREFIX + "nodes", Map.of())) {
                if (a.ok()) {
                    a.document().path("nodes").forEach(rows::add);
                } else {
                    failed.add(a);
                }
            }
        }
        return withFailures(out, failed);
    }

    private ApiResponse switchNamespace(ApiRequest request, Identity who, String namespace) {
        if (!request.method().equals("PUT")) {
            throw ApiError.methodNotAllowed(request.method() + " " + PREFIX + "namespaces/" + namespace
                    + "/acceleration (use PUT with {\"enabled\": true|false})");
        }
        if (!access.mayWrite(who, namespace)) {
            throw ApiError.forbidden(who.user(), "update", "accelerationpolicies", "meshlane.io", namespace, NamespaceSwitch.POLICY_NAME);
        }
        JsonNode body = request.body() == null || request.body().length == 0 ? null : Json.request(request.body(), request.contentType());
        return ApiResponse.json(200, namespaces.set(namespace, body));
    }

    private ObjectNode status() {
        ObjectNode out = TelemetryQueries.status(store.status());
        out.put("cluster", store.config().localCluster());
        out.set("pipeline", exportStatus.get());
        ArrayNode peers = out.putArray("peers");
        for (PeerAnswer a : federation.ask(PREFIX + "snapshot", Map.of("window", "10s", "kinds", "service"))) {
            peers.addObject().put("name", a.peer()).put("ok", a.ok()).put("error", a.error());
        }
        return out;
    }

    private static ObjectNode withFailures(ObjectNode body, List<PeerAnswer> failed) {
        if (!failed.isEmpty()) {
            ArrayNode peers = body.putArray("unreachablePeers");
            failed.forEach(a -> peers.addObject().put("name", a.peer()).put("error", a.error()));
        }
        return body;
    }
}
