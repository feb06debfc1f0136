package io.meshlane.control.telemetry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.api.ApiError;
import io.meshlane.control.api.Json;
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
 * dashboard all see one truth; the effective state follows the agents' rule (a Disabled policy
 * in the namespace wins), so a switch overridden by another policy says which one.
 */
final class NamespaceSwitch {

    static final String POLICY_NAME = "meshlane-dashboard";

    private final ResourceService resources;
    private final KindRegistry registry;

    NamespaceSwitch(ResourceService resources, KindRegistry registry) {
        this.resources = resources;
        this.registry = registry;
    }

    ObjectNode list() {
        ObjectNode out = Json.object();
        ArrayNode rows = out.putArray("namespaces");
        for (StoredObject ns : resources.store().list(BuiltinKinds.namespaces().keyPrefix(), null, 0).items()) {
            String name = Json.stored(ns.value()).path("metadata").path("name").asText();
            rows.add(row(name));
        }
        return out;
    }

    ObjectNode set(String namespace, JsonNode body) {
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
        List<String> enabledBy = new ArrayList<>();
        List<String> disabledBy = new ArrayList<>();
        for (StoredObject o : resources.store().list(policies.kind().keyPrefix(namespace), null, 0).items()) {
            JsonNode p = Json.stored(o.value());
            String name = p.path("metadata").path("name").asText();
            JsonNode clusters = p.path("spec").path("clusters");
            String label = clusters.isArray() && !clusters.isEmpty() ? name + " (clusters " + clusters + ")" : name;
            (p.path("spec").path("acceleration").asText().equals("Disabled") ? disabledBy : enabledBy).add(label);
        }
        ObjectNode row = Json.object().put("name", namespace);
        String state = !disabledBy.isEmpty() ? "Disabled" : !enabledBy.isEmpty() ? "Enabled" : "Default";
        row.put("acceleration", state);
        row.put("source", !disabledBy.isEmpty() ? "AccelerationPolicy " + String.join(", ", disabledBy)
                : !enabledBy.isEmpty() ? "AccelerationPolicy " + String.join(", ", enabledBy)
                : "no AccelerationPolicy: the namespace label or the agent's --default-acceleration decides");
        boolean switchedOn = enabledBy.contains(POLICY_NAME);
        if (switchedOn && !disabledBy.isEmpty()) {
            row.put("overriddenBy", String.join(", ", disabledBy));
        }
        return row;
    }

    private Served policies() {
        return registry.resolve("meshlane.io", "v1alpha1", "accelerationpolicies")
                .orElseThrow(() -> new IllegalStateException("the built-in AccelerationPolicy kind is not registered"));
    }
}
