package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The objects that apply to workloads chosen by labels, Istio's way: AuthorizationPolicies and
 * PeerAuthentications of the workload's namespace (those with a selector only when it matches the
 * workload's labels) and of the root namespace (mesh-wide), and Gateways of any namespace whose selector
 * matches a gateway proxy's labels. The workload's labels come from its xDS node metadata ({@code LABELS}).
 * Written on the translation thread; read from any thread.
 */
final class WorkloadPolicies {
    /** Istio's default root namespace: its selector-less policies apply to the whole mesh. */
    static final String ROOT_NAMESPACE = "istio-system";
    static final String AUTHORIZATION_POLICY = "AuthorizationPolicy";
    static final String PEER_AUTHENTICATION = "PeerAuthentication";
    static final String GATEWAY = "Gateway";

    private final Map<String, Map<String, MeshObject>> byKind = new ConcurrentHashMap<>();

    static boolean handles(String kind) {
        return kind.equals(AUTHORIZATION_POLICY) || kind.equals(PEER_AUTHENTICATION) || kind.equals(GATEWAY);
    }

    void put(MeshObject o) {
        byKind.computeIfAbsent(o.kind(), k -> new ConcurrentHashMap<>()).put(MeshIndex.key(o), o);
    }

    MeshObject remove(String kind, String key) {
        Map<String, MeshObject> objects = byKind.get(kind);
        return objects == null ? null : objects.remove(key);
    }

    MeshObject get(String kind, String key) {
        return byKind.getOrDefault(kind, Map.of()).get(key);
    }

    /** The AuthorizationPolicies or PeerAuthentications in force for a workload, by namespace then name. */
    List<MeshObject> forWorkload(String kind, String namespace, Map<String, String> labels) {
        List<MeshObject> out = new ArrayList<>();
        for (MeshObject o : byKind.getOrDefault(kind, Map.of()).values()) {
            JsonNode selector = o.spec().path("selector").path("matchLabels");
            boolean selects = selector.isObject() && !selector.isEmpty();
            if (o.namespace().equals(namespace) && (!selects || matches(selector, labels))
                    || o.namespace().equals(ROOT_NAMESPACE) && !selects) {
                out.add(o);
            }
        }
        out.sort(Comparator.comparing(MeshIndex::key));
        return out;
    }

    /** The Gateways whose selector matches a gateway proxy's labels (a selector-less Gateway selects every gateway proxy). */
    List<MeshObject> gatewaysFor(Map<String, String> labels) {
        List<MeshObject> out = new ArrayList<>();
        for (MeshObject g : byKind.getOrDefault(GATEWAY, Map.of()).values()) {
            if (matches(g.spec().path("selector"), labels)) {
                out.add(g);
            }
        }
        out.sort(Comparator.comparing(MeshIndex::key));
        return out;
    }

    /** Every Gateway, by namespace then name. */
    List<MeshObject> gateways() {
        List<MeshObject> out = new ArrayList<>(byKind.getOrDefault(GATEWAY, Map.of()).values());
        out.sort(Comparator.comparing(MeshIndex::key));
        return out;
    }

    static boolean matches(JsonNode selector, Map<String, String> labels) {
        var it = selector.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
