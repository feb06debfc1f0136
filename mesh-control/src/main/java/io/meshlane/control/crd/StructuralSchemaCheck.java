package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks that a CRD version's schema is structural, as apiextensions requires: every node
 * specifies a type (unless int-or-string or preserve-unknown-fields), properties and
 * additionalProperties are not combined, and rules compile.
 */
public final class StructuralSchemaCheck {

    private final CelRuleEngine cel;

    public StructuralSchemaCheck(CelRuleEngine cel) {
        this.cel = cel;
    }

    public void check(JsonNode schema, String path, List<FieldError> errors) {
        if (schema == null || schema.isNull()) {
            errors.add(FieldError.required(path));
            return;
        }
        node(schema, path, errors, true);
    }

    private void node(JsonNode schema, String path, List<FieldError> errors, boolean root) {
        boolean intOrString = schema.path("x-kubernetes-int-or-string").asBoolean(false);
        boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (!schema.has("type") && !intOrString && !preserve) {
            errors.add(new FieldError(path + ".type", "FieldValueRequired",
                    "Required value: must not be empty for specified " + (schema.has("properties") ? "object" : "") + " fields"));
        }
        if (root && schema.has("type") && !schema.get("type").asText().equals("object")) {
            errors.add(new FieldError(path + ".type", "FieldValueInvalid", "Invalid value: \"" + schema.get("type").asText() + "\": must be object at the root"));
        }
        if (schema.has("properties") && schema.has("additionalProperties")) {
            errors.add(FieldError.forbidden(path + ".additionalProperties", "additionalProperties and properties are mutual exclusive"));
        }
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            try {
                cel.compile(rule.path("rule").asText());
            } catch (CelRuleEngine.RuleCompileException e) {
                errors.add(FieldError.invalid(path + ".x-kubernetes-validations", "\"" + rule.path("rule").asText() + "\"", e.getMessage()));
            }
        }
        JsonNode properties = schema.get("properties");
        if (properties != null) {
            Iterator<Map.Entry<String, JsonNode>> fields = properties.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (root && (f.getKey().equals("metadata") || f.getKey().equals("apiVersion") || f.getKey().equals("kind"))) {
                    continue;
                }
                node(f.getValue(), path + ".properties[" + f.getKey() + "]", errors, false);
            }
        }
        if (schema.has("items") && schema.get("items").isObject()) {
            node(schema.get("items"), path + ".items", errors, false);
        }
        if (schema.has("additionalProperties") && schema.get("additionalProperties").isObject()) {
            node(schema.get("additionalProperties"), path + ".additionalProperties", errors, false);
        }
        if (schema.has("type") && schema.get("type").asText().equals("array") && !schema.has("items")) {
            errors.add(new FieldError(path + ".items", "FieldValueRequired", "Required value: must be specified"));
        }
    }
}
