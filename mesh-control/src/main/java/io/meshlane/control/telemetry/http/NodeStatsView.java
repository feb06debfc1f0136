package io.meshlane.control.telemetry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.http.Json;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoredObject;

/** The agents' node stats as the dashboard shows them: one row per NodeAcceleration object. */
final class NodeStatsView {

    private final ResourceStore store;
    private final KindRegistry registry;

    NodeStatsView(ResourceStore store, KindRegistry registry) {
        this.store = store;
        this.registry = registry;
    }

    ObjectNode list() {
        ObjectNode out = Json.object();
        ArrayNode rows = out.putArray("nodes");
        String prefix = registry.resolve("meshlane.io", "v1alpha1", "nodeaccelerations")
                .orElseThrow(() -> new IllegalStateException("the built-in NodeAcceleration kind is not registered"))
                .kind().keyPrefix();
        for (StoredObject o : store.list(prefix, null, 0).items()) {
            JsonNode node = Json.stored(o.value());
            JsonNode status = node.path("status");
            rows.addObject().put("name", node.path("metadata").path("name").asText())
                    .put("cluster", status.path("cluster").asText(""))
                    .put("mode", status.path("mode").asText(""))
                    .put("pods", status.path("pods").asLong())
                    .put("accelerated", status.path("acceleratedConnections").asLong())
                    .put("bytes", status.path("bytesRedirected").asLong())
                    .put("failures", status.path("redirectFailures").asLong())
                    .put("lastReport", status.path("lastReport").asText(""))
                    .put("reason", status.path("reason").asText(""))
                    .set("namespaces", status.path("namespaces").isArray() ? status.get("namespaces") : Json.MAPPER.createArrayNode());
        }
        return out;
    }
}
