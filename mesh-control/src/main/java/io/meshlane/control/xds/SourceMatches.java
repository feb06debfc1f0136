package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * A VirtualService's {@code sourceLabels} and {@code sourceNamespace} matches as one client sees them,
 * Istio's rule: a match whose source conditions the client (its bootstrap's namespace and labels) does not
 * meet is dropped, and an http route whose every match is dropped is dropped with them. The rest of the
 * match applies as usual, so the translator never sees these fields.
 */
final class SourceMatches {
    private SourceMatches() {
    }

    static boolean uses(MeshObject vs) {
        if (vs == null) {
            return false;
        }
        for (JsonNode http : vs.spec().path("http")) {
            for (JsonNode m : http.path("match")) {
                if (m.has("sourceLabels") || m.has("sourceNamespace")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Which source conditions of {@code vss} the client meets, one character per conditioned match: clients
     * with equal signatures get equal routes, so views are shared by signature rather than by pod.
     */
    static String signature(List<MeshObject> vss, String namespace, Map<String, String> labels) {
        StringBuilder b = new StringBuilder();
        for (MeshObject vs : vss) {
            for (JsonNode http : vs.spec().path("http")) {
                for (JsonNode m : http.path("match")) {
                    if (m.has("sourceLabels") || m.has("sourceNamespace")) {
                        b.append(meets(m, namespace, labels) ? '1' : '0');
                    }
                }
            }
        }
        return b.toString();
    }

    /** The VirtualService as the client sees it: itself when it has no source conditions. */
    static MeshObject forClient(MeshObject vs, String namespace, Map<String, String> labels) {
        if (!uses(vs)) {
            return vs;
        }
        ObjectNode object = vs.object().deepCopy();
        ArrayNode http = object.with("spec").withArray("http");
        ArrayNode kept = http.arrayNode();
        for (JsonNode route : http) {
            JsonNode matches = route.path("match");
            if (!matches.isArray() || matches.isEmpty()) {
                kept.add(route);
                continue;
            }
            ArrayNode meetsMatches = http.arrayNode();
            for (JsonNode m : matches) {
                if (meets(m, namespace, labels)) {
                    ObjectNode copy = ((ObjectNode) m).deepCopy();
                    copy.remove(List.of("sourceLabels", "sourceNamespace"));
                    meetsMatches.add(copy);
                }
            }
            if (!meetsMatches.isEmpty()) {
                ((ObjectNode) route).set("match", meetsMatches);
                kept.add(route);
            }
        }
        object.with("spec").set("http", kept);
        return new MeshObject(vs.kind(), vs.namespace(), vs.name(), object, vs.revision());
    }

    private static boolean meets(JsonNode match, String namespace, Map<String, String> labels) {
        if (match.has("sourceNamespace") && !match.path("sourceNamespace").asText().equals(namespace)) {
            return false;
        }
        for (var it = match.path("sourceLabels").fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
