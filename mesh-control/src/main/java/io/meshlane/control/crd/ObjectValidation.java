package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything an object goes through before it is stored: metadata checks, pruning of unknown
 * fields (reported, so Strict field validation can reject them), the structural schema with
 * CEL rules, CRD well-formedness for CRDs, and the kind's semantic checks.
 */
public final class ObjectValidation {

    /** The outcome: field errors (422), the unknown fields that were pruned, and the checks' warnings. */
    public record Result(List<FieldError> errors, List<String> unknownFields, List<String> warnings) {
    }

    private static final String CRD_GROUP = "apiextensions.k8s.io";

    private final SchemaValidator schemas;
    private final CrdDefinition crds;
    private final List<SemanticCheck> semantic;

    public ObjectValidation(SchemaValidator schemas, CrdDefinition crds, List<SemanticCheck> semantic) {
        this.schemas = schemas;
        this.crds = crds;
        this.semantic = List.copyOf(semantic);
    }

    public Result validate(ResourceKind kind, KindVersion version, ObjectNode object) {
        return validate(kind, version, object, null);
    }

    /** As {@link #validate(ResourceKind, KindVersion, ObjectNode)} for an update of {@code old} (transition rules run). */
    public Result validate(ResourceKind kind, KindVersion version, ObjectNode object, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        String name = object.path("metadata").path("name").asText("");
        if (!MetadataChecks.isDnsSubdomain(name)) {
            errors.add(FieldError.invalid("metadata.name", "\"" + name + "\"", "a lowercase RFC 1123 subdomain must consist of"
                    + " lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
                    + " (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
        }
        errors.addAll(MetadataChecks.check(object.path("metadata")));
        List<String> unknown = Pruner.prune(object, version.schema());
        errors.addAll(schemas.validate(object, old, version.schema()));
        if (kind.group().equals(CRD_GROUP) && kind.plural().equals("customresourcedefinitions")) {
            errors.addAll(crds.check(object));
        }
        for (SemanticCheck check : semantic) {
            if (check.appliesTo(kind) && errors.isEmpty()) {
                errors.addAll(check.check(object));
            }
        }
        List<String> warnings = new ArrayList<>();
        for (SemanticCheck check : semantic) {
            if (check.appliesTo(kind) && errors.isEmpty()) {
                warnings.addAll(check.advise(object));
            }
        }
        return new Result(errors, unknown, warnings);
    }

    public static boolean isCrd(ResourceKind kind) {
        return kind.group().equals(CRD_GROUP) && kind.plural().equals("customresourcedefinitions");
    }

    /** Reads a CRD-shaped document (used for built-in kinds defined as CRDs in resources). */
    public ResourceKind kindOf(JsonNode crd) {
        return crds.kind(crd);
    }
}
