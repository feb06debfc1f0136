package io.meshlane.control.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.api.agent.v1.Acceleration;
import io.meshlane.api.agent.v1.NamespacePolicy;
import io.meshlane.api.agent.v1.NodePolicy;
import io.meshlane.api.acceleration.AccelerationRule;
import io.meshlane.api.acceleration.AccelerationRule.Decision;
import io.meshlane.api.acceleration.Switch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * The AccelerationPolicy objects in the store, by key, and the policy each node gets from
 * them, by the one {@link AccelerationRule} the agent applies too.
 */
final class PolicyTable {

    static final String PREFIX = "/registry/meshlane.io/accelerationpolicies/";
    private static final Logger LOG = Logger.getLogger(PolicyTable.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    record Policy(String namespace, Switch acceleration) {
    }

    private final Map<String, Policy> byKey = new TreeMap<>();
    private long revision;

    synchronized void put(String key, byte[] json, long atRevision) {
        revision = Math.max(revision, atRevision);
        try {
            JsonNode object = JSON.readTree(json);
            String acceleration = object.path("spec").path("acceleration").asText("");
            List<String> clusters = new ArrayList<>();
            object.path("spec").path("clusters").forEach(c -> clusters.add(c.asText()));
            String namespace = object.path("metadata").path("namespace").asText();
            Optional<Switch> policy = Switch.ofPolicy("AccelerationPolicy " + namespace + "/"
                    + object.path("metadata").path("name").asText(), acceleration, clusters);
            if (policy.isEmpty()) {
                LOG.warning("AccelerationPolicy " + key + " has spec.acceleration \"" + acceleration + "\"; ignoring it");
                byKey.remove(key);
                return;
            }
            byKey.put(key, new Policy(namespace, policy.get()));
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
        Map<String, List<Switch>> byNamespace = new TreeMap<>();
        byKey.values().forEach(p -> byNamespace.computeIfAbsent(p.namespace(), n -> new ArrayList<>()).add(p.acceleration()));
        List<NamespacePolicy> namespaces = new ArrayList<>();
        byNamespace.forEach((namespace, switches) -> {
            Decision decision = AccelerationRule.decide(switches, cluster);
            if (decision.state() != AccelerationRule.State.DEFAULT) {
                namespaces.add(NamespacePolicy.newBuilder().setNamespace(namespace)
                        .setAcceleration(decision.state() == AccelerationRule.State.ENABLED ? Acceleration.ENABLED : Acceleration.DISABLED)
                        .setSource(decision.decidedBy().getFirst().source()).build());
            }
        });
        return NodePolicy.newBuilder().setVersion(Long.toString(revision)).addAllNamespaces(namespaces).build();
    }
}
