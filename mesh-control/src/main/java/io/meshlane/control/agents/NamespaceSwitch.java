package io.meshlane.control.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.api.acceleration.AccelerationRule;
import io.meshlane.api.acceleration.AccelerationRule.Decision;
import io.meshlane.api.acceleration.Switch;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import io.meshlane.control.api.RequestOptions;
import io.meshlane.control.api.ResourceService;
import io.meshlane.control.crd.BuiltinKinds;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.crd.KindRegistry.Served;
import io.meshlane.control.store.StoredObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's per-namespace acceleration switch. It writes an ordinary AccelerationPolicy
 * ({@value #POLICY_NAME}) through the same validation as kubectl, so agents, kubectl and the
 * dashboard all see one truth; the effective state in this control plane's cluster follows the
 * agents' {@link AccelerationRule}, so a switch overridden by another policy says which one.
 */
public final class NamespaceSwitch {

    public static final String POLICY_NAME = "meshlane-dashboard";

    private final ResourceService resources;
    private final KindRegistry registry;
    private final String cluster;

    public NamespaceSwitch(ResourceService resources, KindRegistry registry, String cluster) {
        this.resources = resources;
        this.registry = registry;
        this.cluster = cluster;
    }

    public ObjectNode list() {
        ObjectNode out = Json.object();
        ArrayNode rows = out.putArray("namespaces");
        for (StoredObject ns : resources.store().list(BuiltinKinds.namespaces().keyPrefix(), null, 0).items()) {
            String name = Json.stored(ns.value()).path("metadata").path("name").asText();
            rows.add(row(name));
        }
        return out;
    }

    public ObjectNode set(String namespace, JsonNode body) {
        if (body == null || !body.path("enabled").isBoolean()) {
            throw ApiError.badRequest("send {\"enabled\": true} or {\"enabled\": false} to switch acceleration of namespace " + namespace);
        }
        if (resources.store().get(BuiltinKinds.namespaces().key(null, namespace)).isEmpty()) {
            throw ApiError.notFound("namespaces", "", namespace);
        }
        Served policies = policies();
        ObjectNode policy = Json.object().put("apiVersion", "meshlane.io/v1alpha1").put("kind", "AccelerationPolicy");
        policy.putObject("metadata").put("name", POLICY_NAME).put("namespace", namespace)
                .putObject("labels").put("app.kubernetes.io/managed-by", "meshlane-dashboard");
        policy.putObject("spec").put("acceleration", body.get("enabled").asBoolean() ? "Enabled" : "Disabled");
        RequestOptions options = RequestOptions.from(Map.of());
        if (resources.store().get(policies.kind().key(namespace, POLICY_NAME)).isPresent()) {
            resources.update(policies, namespace, POLICY_NAME, policy, options, false);
        } else {
            resources.create(policies, namespace, policy, options);
        }
        return row(namespace);
    }

    private ObjectNode row(String namespace) {
        Served policies = policies();
        List<Switch> switches = new ArrayList<>();
        for (StoredObject o : resources.store().list(policies.kind().keyPrefix(namespace), null, 0).items()) {
            JsonNode spec = Json.stored(o.value()).path("spec");
            String name = Json.stored(o.value()).path("metadata").path("name").asText();
            List<String> clusters = new ArrayList<>();
            spec.path("clusters").forEach(c -> clusters.add(c.asText()));
            String label = clusters.isEmpty() ? name : name + " (clusters " + spec.path("clusters") + ")";
            Switch.ofPolicy(label, spec.path("acceleration").asText(), clusters).ifPresent(switches::add);
        }
        Decision decision = AccelerationRule.decide(switches, cluster);
        ObjectNode row = Json.object().put("name", namespace);
        row.put("acceleration", switch (decision.state()) {
            case ENABLED -> "Enabled";
            case DISABLED -> "Disabled";
            case DEFAULT -> "Default";
        });
        row.put("source", decision.state() == AccelerationRule.State.DEFAULT
                ? "no AccelerationPolicy for cluster " + cluster + ": the namespace label or the agent's --default-acceleration decides"
                : "AccelerationPolicy " + sources(decision.decidedBy()));
        if (decision.overridden().stream().anyMatch(s -> s.source().equals(POLICY_NAME))) {
            row.put("overriddenBy", sources(decision.decidedBy()));
        }
        return row;
    }

    private static String sources(List<Switch> switches) {
        return String.join(", ", switches.stream().map(Switch::source).toList());
    }

    private Served policies() {
        return registry.resolve("meshlane.io", "v1alpha1", "accelerationpolicies")
                .orElseThrow(() -> new IllegalStateException("the built-in AccelerationPolicy kind is not registered"));
    }
}
