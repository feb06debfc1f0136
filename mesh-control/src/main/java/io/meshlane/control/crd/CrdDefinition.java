package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Reads and checks {@code apiextensions.k8s.io/v1 CustomResourceDefinition} objects. */
public final class CrdDefinition {

    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

    private final StructuralSchemaCheck structural;

    public CrdDefinition(StructuralSchemaCheck structural) {
        this.structural = structural;
    }

    /** What is wrong with {@code crd}, in the apiserver's field paths; empty when it can be served. */
    public List<FieldError> check(JsonNode crd) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText("");
        JsonNode names = spec.path("names");
        String plural = names.path("plural").asText("");
        if (group.isEmpty()) {
            errors.add(FieldError.required("spec.group"));
        }
        if (plural.isEmpty()) {
            errors.add(FieldError.required("spec.names.plural"));
        } else if (!DNS_LABEL.matcher(plural).matches()) {
            errors.add(FieldError.invalid("spec.names.plural", "\"" + plural + "\"", "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"));
        }
        if (names.path("kind").asText("").isEmpty()) {
            errors.add(FieldError.required("spec.names.kind"));
        }
        String expectedName = plural + "." + group;
        String name = crd.path("metadata").path("name").asText("");
        if (!name.equals(expectedName)) {
            errors.add(FieldError.invalid("metadata.name", "\"" + name + "\"", "must be spec.names.plural+\".\"+spec.group"));
        }
        String scope = spec.path("scope").asText("");
        if (!scope.equals("Namespaced") && !scope.equals("Cluster")) {
            errors.add(FieldError.unsupported("spec.scope", "\"" + scope + "\"", "\"Cluster\", \"Namespaced\""));
        }
        JsonNode versions = spec.path("versions");
        if (!versions.isArray() || versions.isEmpty()) {
            errors.add(FieldError.invalid("spec.versions", "null", "must have exactly one version marked as storage version"));
            return errors;
        }
        int storage = 0;
        for (int i = 0; i < versions.size(); i++) {
            JsonNode v = versions.get(i);
            storage += v.path("storage").asBoolean(false) ? 1 : 0;
            String path = "spec.versions[" + i + "].schema.openAPIV3Schema";
            structural.check(v.path("schema").get("openAPIV3Schema"), path, errors);
        }
        if (storage != 1) {
            errors.add(FieldError.invalid("spec.versions", "\"array\"", "must have exactly one version marked as storage version"));
        }
        return errors;
    }

    public ResourceKind kind(JsonNode crd) {
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        List<KindVersion> versions = new ArrayList<>();
        for (JsonNode v : spec.path("versions")) {
            if (!v.path("served").asBoolean(true)) {
                continue;
            }
            List<PrinterColumn> columns = new ArrayList<>();
            for (JsonNode c : v.path("additionalPrinterColumns")) {
                columns.add(new PrinterColumn(c.path("name").asText(), c.path("type").asText("string"),
                        c.path("format").asText(""), c.path("description").asText(""), c.path("priority").asInt(0),
                        c.path("jsonPath").asText()));
            }
            versions.add(new KindVersion(v.path("name").asText(), v.path("storage").asBoolean(false),
                    v.path("schema").get("openAPIV3Schema"), List.copyOf(columns), v.path("subresources").has("status")));
        }
        String kind = names.path("kind").asText();
        return new ResourceKind(spec.path("group").asText(), kind, names.path("listKind").asText(kind + "List"),
                names.path("plural").asText(), names.path("singular").asText(kind.toLowerCase()),
                strings(names.path("shortNames")), strings(names.path("categories")),
                spec.path("scope").asText().equals("Namespaced"), List.copyOf(versions));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    /** Fills the status a real apiserver reports for an accepted CRD (Established, NamesAccepted). */
    public static void markEstablished(ObjectNode crd) {
        ObjectNode status = crd.putObject("status");
        status.set("acceptedNames", crd.path("spec").path("names").deepCopy());
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        ArrayNode conditions = status.putArray("conditions");
        conditions.addObject().put("type", "NamesAccepted").put("status", "True").put("reason", "NoConflicts")
                .put("message", "no conflicts found").put("lastTransitionTime", now);
        conditions.addObject().put("type", "Established").put("status", "True").put("reason", "InitialNamesAccepted")
                .put("message", "the initial names have been accepted").put("lastTransitionTime", now);
        ArrayNode stored = status.putArray("storedVersions");
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("storage").asBoolean(false)) {
                stored.add(v.path("name").asText());
            }
        }
    }
}
