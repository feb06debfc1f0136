package io.meshlane.control.agents;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.api.agent.v1.NamespaceStats;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.control.store.KeyExistsException;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The latest stats of every node, kept as cluster-scoped {@code NodeAcceleration} objects so
 * that {@code kubectl get nodeaccelerations} lists every node's state.
 */
final class NodeReports {

    static final String PREFIX = "/registry/meshlane.io/nodeaccelerations/";
    private static final Logger LOG = Logger.getLogger(NodeReports.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ResourceStore store;
    private final Map<String, NodeStats> latest = new ConcurrentHashMap<>();

    NodeReports(ResourceStore store) {
        this.store = store;
    }

    /** Keeps {@code stats} as node's latest, with the CA that issued the certificate it came with. */
    void record(NodeStats stats, String certificateAuthority) {
        if (!stats.getNode().matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
            throw new IllegalArgumentException("node name \"" + stats.getNode() + "\" is not a valid object name");
        }
        ReportLimits.check(stats);
        latest.put(stats.getNode(), stats);
        String key = PREFIX + stats.getNode();
        try {
            var existing = store.get(key);
            byte[] body = toObject(stats, certificateAuthority, existing.map(o -> uid(o.value())).orElse(UUID.randomUUID().toString()),
                    existing.map(o -> created(o.value())).orElse(Instant.now().toString()));
            if (existing.isPresent()) {
                store.update(key, body, 0);
            } else {
                try {
                    store.create(key, body);
                } catch (KeyExistsException raced) {
                    store.update(key, body, 0);
                }
            }
        } catch (StoreException e) {
            LOG.warning("could not store the report of node " + stats.getNode() + ": " + e.getMessage());
        }
    }

    Map<String, NodeStats> latest() {
        return Map.copyOf(latest);
    }

    private static byte[] toObject(NodeStats stats, String certificateAuthority, String uid, String created) {
        ObjectNode object = JSON.createObjectNode();
        object.put("apiVersion", "meshlane.io/v1alpha1");
        object.put("kind", "NodeAcceleration");
        ObjectNode metadata = object.putObject("metadata");
        metadata.put("name", stats.getNode());
        metadata.put("uid", uid);
        metadata.put("creationTimestamp", created);
        metadata.putObject("labels").put("meshlane.io/cluster", stats.getCluster());
        ObjectNode status = object.putObject("status");
        status.put("cluster", stats.getCluster());
        status.put("mode", stats.getMode());
        status.put("reason", stats.getReason());
        status.put("policyVersion", stats.getPolicyVersion());
        status.put("certificateAuthority", certificateAuthority);
        status.put("lastReport", Instant.ofEpochMilli(stats.getTimestampUnixMs()).toString());
        Map<String, Long> totals = stats.getTotals().getValuesMap();
        status.put("acceleratedConnections", totals.getOrDefault("connections_accelerated", 0L));
        status.put("messagesRedirected", totals.getOrDefault("msg_redirected", 0L));
        status.put("bytesRedirected", totals.getOrDefault("bytes_redirected", 0L));
        status.put("redirectFailures", totals.getOrDefault("redirect_failed", 0L));
        status.put("pods", stats.getPodsCount());
        ArrayNode namespaces = status.putArray("namespaces");
        for (NamespaceStats ns : stats.getNamespacesList()) {
            ObjectNode n = namespaces.addObject();
            n.put("namespace", ns.getNamespace());
            n.put("accelerated", ns.getAccelerated());
            n.put("pods", ns.getPods());
            n.put("acceleratedConnections", ns.getCounters().getValuesMap().getOrDefault("connections_accelerated", 0L));
            n.put("bytesRedirected", ns.getCounters().getValuesMap().getOrDefault("bytes_redirected", 0L));
        }
        ObjectNode passThrough = status.putObject("passThrough");
        totals.forEach((name, value) -> {
            if (name.startsWith("pass_")) {
                passThrough.put(name.substring(5), value);
            }
        });
        try {
            return JSON.writeValueAsBytes(object);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String uid(byte[] json) {
        return field(json, "uid");
    }

    private static String created(byte[] json) {
        return field(json, "creationTimestamp");
    }

    private static String field(byte[] json, String name) {
        try {
            return JSON.readTree(new String(json, StandardCharsets.UTF_8)).path("metadata").path(name).asText();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "";
        }
    }
}
