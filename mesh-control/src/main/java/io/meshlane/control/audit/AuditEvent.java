package io.meshlane.control.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.http.Json;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One request as the audit log keeps it: who, what verb on which object, and the answer's code.
 * Never a body, a header or a token. Rendered in the shape of Kubernetes' {@code audit.k8s.io/v1}
 * Event at level Metadata, so tools reading apiserver audit logs read this one.
 */
public record AuditEvent(Instant received, String user, List<String> groups, String verb, String path,
                         String apiGroup, String apiVersion, String resource, String subresource,
                         String namespace, String name, int code) {

    ObjectNode toJson(Instant completed) {
        ObjectNode e = Json.object().put("kind", "Event").put("apiVersion", "audit.k8s.io/v1").put("level", "Metadata")
                .put("auditID", UUID.randomUUID().toString()).put("stage", "ResponseComplete")
                .put("requestURI", path).put("verb", verb);
        ObjectNode u = e.putObject("user").put("username", user);
        groups.forEach(u.putArray("groups")::add);
        if (resource != null) {
            ObjectNode ref = e.putObject("objectRef").put("resource", resource);
            putIfPresent(ref, "namespace", namespace);
            putIfPresent(ref, "name", name);
            putIfPresent(ref, "apiGroup", apiGroup == null || apiGroup.isEmpty() ? null : apiGroup);
            putIfPresent(ref, "apiVersion", apiVersion);
            putIfPresent(ref, "subresource", subresource);
        }
        e.putObject("responseStatus").put("code", code);
        e.put("requestReceivedTimestamp", received.toString()).put("stageTimestamp", completed.toString());
        return e;
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
