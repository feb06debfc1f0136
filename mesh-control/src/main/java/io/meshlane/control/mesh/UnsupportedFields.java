package io.meshlane.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.FieldError;
import io.meshlane.control.crd.ResourceKind;
import io.meshlane.control.crd.SemanticCheck;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Tells whoever applies an Istio object which of its fields meshlane does not act on, the way Istio's
 * analysers report: a warning per field on the write (kubectl prints {@code Warning: …}), and the condition
 * {@code FieldsSupported} in the object's status, so {@code kubectl get -o yaml} shows it later. The object
 * is stored either way: Istio's API allows the fields, and another control plane may act on them.
 */
public final class UnsupportedFields implements SemanticCheck {
    public static final String CONDITION = "FieldsSupported";
    /** More than this many fields are summarised in one last warning; the condition names them all. */
    static final int MAX_WARNINGS = 10;
    private static final Set<String> GROUPS = Set.of("networking.istio.io", "security.istio.io", "telemetry.istio.io",
            "extensions.istio.io");
    private static final String DOCS = "see mesh-control/docs/istio-fields.md";

    private final FieldSupport support;
    private final Clock clock;

    public UnsupportedFields(FieldSupport support, Clock clock) {
        this.support = support;
        this.clock = clock;
    }

    @Override
    public boolean appliesTo(ResourceKind kind) {
        return GROUPS.contains(kind.group()) && support.describes(kind.kind());
    }

    @Override
    public List<FieldError> check(JsonNode object) {
        return List.of();
    }

    @Override
    public List<String> advise(ObjectNode object) {
        String kind = object.path("kind").asText();
        String subject = kind + " " + object.path("metadata").path("namespace").asText("default") + "/"
                + object.path("metadata").path("name").asText();
        List<String> problems = new ArrayList<>();
        Optional<String> wholeKind = support.unsupportedKind(kind);
        if (wholeKind.isPresent()) {
            problems.add("meshlane does not translate " + kind + " objects" + (wholeKind.get().isEmpty() ? "" : " (" + wholeKind.get() + ")")
                    + ", so this one has no effect");
        } else {
            JsonNode spec = object.path("spec");
            for (String field : support.unsupportedFields(kind, spec)) {
                problems.add("field " + field + " is not supported by meshlane and has no effect");
            }
        }
        record(object, problems);
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < problems.size() && i < MAX_WARNINGS; i++) {
            warnings.add(subject + ": " + problems.get(i) + " (" + DOCS + ")");
        }
        if (problems.size() > MAX_WARNINGS) {
            warnings.add(subject + ": " + (problems.size() - MAX_WARNINGS) + " more unsupported fields; status.conditions["
                    + CONDITION + "] lists them all");
        }
        return warnings;
    }

    /** Sets the condition when there are problems, and flips an earlier one to True once they are gone. */
    private void record(ObjectNode object, List<String> problems) {
        JsonNode statusNode = object.path("status");
        ObjectNode existing = null;
        for (JsonNode c : statusNode.path("conditions")) {
            if (CONDITION.equals(c.path("type").asText()) && c.isObject()) {
                existing = (ObjectNode) c;
            }
        }
        if (problems.isEmpty() && existing == null) {
            return;
        }
        String status = problems.isEmpty() ? "True" : "False";
        String reason = problems.isEmpty() ? "AllFieldsSupported" : "UnsupportedFields";
        String message = String.join("; ", problems);
        if (existing != null && status.equals(existing.path("status").asText()) && message.equals(existing.path("message").asText())) {
            return;
        }
        ObjectNode statusObject = statusNode.isObject() ? (ObjectNode) statusNode : object.putObject("status");
        ArrayNode conditions = statusObject.path("conditions").isArray() ? (ArrayNode) statusObject.get("conditions")
                : statusObject.putArray("conditions");
        ObjectNode condition = existing != null ? existing : conditions.addObject();
        boolean transition = existing == null || !status.equals(existing.path("status").asText());
        condition.put("type", CONDITION).put("status", status).put("reason", reason).put("message", message);
        if (transition) {
            condition.put("lastTransitionTime", clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
        }
    }
}
