package io.meshlane.control.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.api.agent.v1.Acceleration;
import io.meshlane.api.agent.v1.NamespacePolicy;
import io.meshlane.api.agent.v1.NodePolicy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * The AccelerationPolicy objects in the store, by key, and the policy each node gets from
 * them: a policy applies to every cluster unless {@code spec.clusters} names some; within a
 * namespace a Disabled policy wins over an Enabled one (as on the agent).
 */
final class PolicyTable {

    static final String PREFIX = "/registry/meshlane.io/accelerationpolicies/";
    private static final Logger LOG = Logger.getLogger(PolicyTable.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    record Policy(String namespace, String name, boolean enabled, List<String> clusters) {
    }

    private final Map<String, Policy> byKey = new TreeMap<>();
    private long revision;

    synchronized void put(String key, byte[] json, long atRevision) {
        revision = Math.max(revision, atRevision);
        try {
            JsonNode object = JSON.readTree(json);
            String acceleration = object.path("spec").path("acceleration").asText("");
            if (!acceleration.equals("Enabled") && !acceleration.equals("Disabled")) {
                LOG.warning("AccelerationPolicy " + key + " has spec.acceleration \"" + acceleration + "\"; ignoring it");
                byKey.remove(key);
                return;
            }
            List<String> clusters = new ArrayList<>();
            object.path("spec").path("clusters").forEach(c -> clusters.add(c.asText()));
            byKey.put(key, new Policy(object.path("metadata").path("namespace").asText(),
                    object.path("metadata").path("name").asText(), acceleration.equals("Enabled"), clusters));
        } catch (IOException e) {
            LOG.warning("AccelerationPolicy " + key + " is not JSON (" + e.getMessage() + "); ignoring it");
            byKey.remove(key);
        }
    }

    synchronized void remove(String key, long atRevision) {
        revision = Math.max(revision, atRevision);
        byKey.remove(key);
    }

    /** The policy for a node of {@code cluster}; its version is the store revision it reflects. */
    synchronized NodePolicy forCluster(String cluster) {
        Map<String, NamespacePolicy> namespaces = new TreeMap<>();
        for (Policy p : byKey.values()) {
            if (!p.clusters().isEmpty() && !p.clusters().contains(cluster)) {
                continue;
            }
            NamespacePolicy existing = namespaces.get(p.namespace());
            if (existing != null && existing.getAcceleration() == Acceleration.DISABLED) {
                continue;
            }
            namespaces.put(p.namespace(), NamespacePolicy.newBuilder().setNamespace(p.namespace())
                    .setAcceleration(p.enabled() ? Acceleration.ENABLED : Acceleration.DISABLED)
                    .setSource("AccelerationPolicy " + p.namespace() + "/" + p.name()).build());
        }
        return NodePolicy.newBuilder().setVersion(Long.toString(revision)).addAllNamespaces(namespaces.values()).build();
    }
}
