package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cel.runtime.CelEvaluationException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Validates a custom object against its structural schema the way the apiserver does, with its
 * wording ("spec.hosts: Required value", "... in body should be at least 1 chars long"): types,
 * required, enum, pattern, format, bounds, items, additionalProperties, nullable, int-or-string,
 * list-type set/map uniqueness, and {@code x-kubernetes-validations} CEL rules.
 */
public final class SchemaValidator {

    private final CelRuleEngine cel;
    private final Map<String, Pattern> patterns = new java.util.concurrent.ConcurrentHashMap<>();

    public SchemaValidator(CelRuleEngine cel) {
        this.cel = cel;
    }

    public List<FieldError> validate(JsonNode object, JsonNode schema) {
        return validate(object, null, schema);
    }

    /**
     * Validates {@code object}; on an update {@code old} is the stored object, and transition
     * rules (those reading {@code oldSelf}) run wherever an old value correlates with the new one.
     */
    public List<FieldError> validate(JsonNode object, JsonNode old, JsonNode schema) {
        List<FieldError> errors = new ArrayList<>();
        if (schema == null || schema.isMissingNode() || schema.isNull()) {
            return errors;
        }
        ObjectNode root = object.deepCopy();
        root.remove(List.of("apiVersion", "kind", "metadata"));
        ObjectNode oldRoot = null;
        if (old instanceof ObjectNode o) {
            oldRoot = o.deepCopy();
            oldRoot.remove(List.of("apiVersion", "kind", "metadata"));
        }
        validateObjectFields(root, oldRoot, schema, "", errors);
        validateRules(root, oldRoot, schema, "", errors);
        return errors;
    }

    private static JsonNode child(JsonNode old, String field) {
        return old != null && old.isObject() ? old.get(field) : null;
    }

    private static String child(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private void validate(JsonNode value, JsonNode old, JsonNode schema, String path, List<FieldError> errors) {
        if (value == null || value.isNull()) {
            if (!schema.path("nullable").asBoolean(false) && schema.has("type")) {
                errors.add(FieldError.invalid(path, "\"null\"", path + " in body must be of type " + schema.get("type").asText() + ": \"null\""));
            }
            return;
        }
        boolean intOrString = schema.path("x-kubernetes-int-or-string").asBoolean(false);
        String type = schema.path("type").asText("");
        if (intOrString) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                errors.add(FieldError.invalid(path, shown(value), path + " in body must be of type integer or string: \"" + jsonType(value) + "\""));
                return;
            }
        } else if (!type.isEmpty() && !hasType(value, type)) {
            errors.add(FieldError.invalid(path, "\"" + jsonType(value) + "\"", path + " in body must be of type " + type + ": \"" + jsonType(value) + "\""));
            return;
        }
        int before = errors.size();
        if (schema.has("enum")) {
            boolean found = false;
            List<String> allowed = new ArrayList<>();
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value) || (e.isNumber() && value.isNumber() && e.decimalValue().compareTo(value.decimalValue()) == 0);
                allowed.add(shown(e));
            }
            if (!found) {
                errors.add(FieldError.unsupported(path, shown(value), String.join(", ", allowed)));
            }
        }
        if (value.isTextual()) {
            validateString(value.asText(), schema, path, errors);
        } else if (value.isNumber()) {
            validateNumber(value, schema, path, errors);
        } else if (value.isArray()) {
            validateArray((ArrayNode) value, old, schema, path, errors);
        } else if (value.isObject()) {
            validateObjectFields((ObjectNode) value, old, schema, path, errors);
        }
        if (errors.size() == before) {
            validateRules(value, old, schema, path, errors);
        }
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber() || (value.isFloatingPointNumber() && value.asDouble() == Math.rint(value.asDouble()));
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
    }

    private static String jsonType(JsonNode value) {
        if (value.isObject()) {
            return "object";
        }
        if (value.isArray()) {
            return "array";
        }
        if (value.isTextual()) {
            return "string";
        }
        if (value.isIntegralNumber()) {
            return "integer";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        return "null";
    }

    /** A value as the apiserver prints it in messages: strings quoted, numbers bare, composites by type. */
    static String shown(JsonNode value) {
        if (value.isTextual()) {
            return "\"" + value.asText().replace("\"", "\\\"") + "\"";
        }
        if (value.isNumber()) {
            return number(value.decimalValue());
        }
        if (value.isObject() || value.isArray()) {
            return "\"" + jsonType(value) + "\"";
        }
        return value.asText();
    }

    private static String number(BigDecimal n) {
        BigDecimal s = n.stripTrailingZeros();
        return s.scale() <= 0 ? s.toBigInteger().toString() : s.toPlainString();
    }

    private void validateString(String s, JsonNode schema, String path, List<FieldError> errors) {
        String shown = "\"" + s + "\"";
        int length = s.codePointCount(0, s.length());
        if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
            errors.add(FieldError.invalid(path, shown, path + " in body should be at least " + schema.get("minLength").asInt() + " chars long"));
        }
        if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
            errors.add(new FieldError(path, "FieldValueTooLong", "Too long: may not be more than " + schema.get("maxLength").asInt() + " bytes"));
        }
        if (schema.has("pattern")) {
            String p = schema.get("pattern").asText();
            Pattern compiled = patterns.computeIfAbsent(p, SchemaValidator::compilePattern);
            if (!compiled.matcher(s).find()) {
                errors.add(FieldError.invalid(path, shown, path + " in body should match '" + p + "'"));
            }
        }
        String format = schema.path("format").asText("");
        if (!format.isEmpty() && !formatHolds(format, s)) {
            errors.add(FieldError.invalid(path, shown, path + " in body must be of type " + format + ": " + shown));
        }
    }

    private static Pattern compilePattern(String p) {
        try {
            return Pattern.compile(p);
        } catch (PatternSyntaxException e) {
            return Pattern.compile(Pattern.quote(p));
        }
    }

    private static boolean formatHolds(String format, String s) {
        try {
            return switch (format) {
                case "date-time" -> {
                    OffsetDateTime.parse(s);
                    yield true;
                }
                case "byte" -> {
                    java.util.Base64.getDecoder().decode(s);
                    yield true;
                }
                case "uuid" -> s.matches("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
                case "ipv4" -> s.matches("^(\\d{1,3})(\\.\\d{1,3}){3}$");
                default -> true;
            };
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void validateNumber(JsonNode value, JsonNode schema, String path, List<FieldError> errors) {
        BigDecimal n = value.decimalValue();
        String shown = number(n);
        if (schema.has("minimum")) {
            BigDecimal min = schema.get("minimum").decimalValue();
            boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
            if (exclusive ? n.compareTo(min) <= 0 : n.compareTo(min) < 0) {
                errors.add(FieldError.invalid(path, shown, path + " in body should be greater than " + (exclusive ? "" : "or equal to ") + number(min)));
            }
        }
        if (schema.has("maximum")) {
            BigDecimal max = schema.get("maximum").decimalValue();
            boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
            if (exclusive ? n.compareTo(max) >= 0 : n.compareTo(max) > 0) {
                errors.add(FieldError.invalid(path, shown, path + " in body should be less than " + (exclusive ? "" : "or equal to ") + number(max)));
            }
        }
    }

    private void validateArray(ArrayNode array, JsonNode old, JsonNode schema, String path, List<FieldError> errors) {
        if (schema.has("minItems") && array.size() < schema.get("minItems").asInt()) {
            errors.add(FieldError.invalid(path, String.valueOf(array.size()), path + " in body should have at least " + schema.get("minItems").asInt() + " items"));
        }
        if (schema.has("maxItems") && array.size() > schema.get("maxItems").asInt()) {
            errors.add(new FieldError(path, "FieldValueTooMany", "Too many: " + array.size() + ": must have at most " + schema.get("maxItems").asInt() + " items"));
        }
        JsonNode items = schema.get("items");
        if (items != null) {
            for (int i = 0; i < array.size(); i++) {
                validate(array.get(i), correlated(array.get(i), old, schema), items, path + "[" + i + "]", errors);
            }
        }
        String listType = schema.path("x-kubernetes-list-type").asText("");
        if (listType.equals("set")) {
            Set<JsonNode> seen = new HashSet<>();
            for (int i = 0; i < array.size(); i++) {
                if (!seen.add(array.get(i))) {
                    errors.add(FieldError.duplicate(path + "[" + i + "]", shown(array.get(i))));
                }
            }
        } else if (listType.equals("map")) {
            List<String> keys = new ArrayList<>();
            schema.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(k.asText()));
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < array.size(); i++) {
                StringBuilder key = new StringBuilder("map[string]interface {}{");
                for (int k = 0; k < keys.size(); k++) {
                    JsonNode v = array.get(i).get(keys.get(k));
                    key.append(k == 0 ? "" : ", ").append('"').append(keys.get(k)).append("\":").append(v == null ? "<nil>" : v.toString());
                }
                key.append('}');
                if (!seen.add(key.toString())) {
                    errors.add(FieldError.duplicate(path + "[" + i + "]", key.toString()));
                }
            }
        }
    }

    /**
     * The old element an array element corresponds to: only lists of type map correlate (by their
     * keys), as in the apiserver; elements of other lists have no old value.
     */
    private static JsonNode correlated(JsonNode element, JsonNode old, JsonNode schema) {
        if (old == null || !old.isArray() || !schema.path("x-kubernetes-list-type").asText("").equals("map")) {
            return null;
        }
        JsonNode keys = schema.path("x-kubernetes-list-map-keys");
        for (JsonNode candidate : old) {
            boolean same = true;
            for (JsonNode k : keys) {
                same &= java.util.Objects.equals(candidate.get(k.asText()), element.get(k.asText()));
            }
            if (same) {
                return candidate;
            }
        }
        return null;
    }

    private void validateObjectFields(ObjectNode object, JsonNode old, JsonNode schema, String path, List<FieldError> errors) {
        for (JsonNode required : schema.path("required")) {
            JsonNode v = object.get(required.asText());
            if (v == null || v.isNull()) {
                errors.add(FieldError.required(child(path, required.asText())));
            }
        }
        if (schema.has("maxProperties") && object.size() > schema.get("maxProperties").asInt()) {
            errors.add(new FieldError(path, "FieldValueTooMany", "Too many: " + object.size() + ": must have at most " + schema.get("maxProperties").asInt() + " items"));
        }
        if (schema.has("minProperties") && object.size() < schema.get("minProperties").asInt()) {
            errors.add(FieldError.invalid(path, String.valueOf(object.size()), path + " in body should have at least " + schema.get("minProperties").asInt() + " properties"));
        }
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode fieldSchema = properties == null ? null : properties.get(field.getKey());
            if (fieldSchema != null) {
                if (field.getValue().isNull() && !fieldSchema.path("nullable").asBoolean(false)) {
                    continue;
                }
                validate(field.getValue(), child(old, field.getKey()), fieldSchema, child(path, field.getKey()), errors);
            } else if (additional != null && additional.isObject()) {
                validate(field.getValue(), child(old, field.getKey()), additional, path + "[" + field.getKey() + "]", errors);
            }
        }
    }

    private void validateRules(JsonNode value, JsonNode old, JsonNode schema, String path, List<FieldError> errors) {
        JsonNode rules = schema.get("x-kubernetes-validations");
        if (rules == null || !rules.isArray()) {
            return;
        }
        Object self = CelValues.of(value, schema);
        Object oldSelf = old == null || old.isNull() ? null : CelValues.of(old, schema);
        String type = schema.path("type").asText(jsonType(value));
        // the apiserver shows scalars' values in the message, and only the type of objects and arrays
        String shown = type.equals("object") || type.equals("array") ? "\"" + type + "\"" : shown(value);
        for (JsonNode rule : rules) {
            String text = rule.path("rule").asText();
            if (oldSelf == null && CelRuleEngine.isTransitionRule(text)) {
                continue; // a transition rule runs only on an update that has an old value here
            }
            String message = rule.hasNonNull("message") && !rule.get("message").asText().isBlank() ? rule.get("message").asText().trim() : null;
            String ruleText = message != null ? message : text.trim();
            String field = rule.has("fieldPath") ? path + rule.get("fieldPath").asText() : path;
            try {
                if (!cel.holds(text, self, oldSelf)) {
                    String detail = message != null ? message : "failed rule: " + text.trim();
                    errors.add(failed(field, shown, detail, rule.path("reason").asText("FieldValueInvalid")));
                }
            } catch (CelEvaluationException e) {
                errors.add(FieldError.invalid(field, shown, evaluationError(e) + " evaluating rule: " + ruleText));
            } catch (CelRuleEngine.RuleCompileException e) {
                errors.add(FieldError.invalid(field, shown, "rule compile error: " + e.getMessage()));
            }
        }
    }

    /** The rule's declared reason decides the error's form, as in the apiserver. */
    private static FieldError failed(String field, String shown, String detail, String reason) {
        return switch (reason) {
            case "FieldValueForbidden" -> FieldError.forbidden(field, detail);
            case "FieldValueRequired" -> new FieldError(field, reason, "Required value: " + detail);
            case "FieldValueDuplicate" -> FieldError.duplicate(field, shown);
            default -> FieldError.invalid(field, shown, detail);
        };
    }

    /** cel-java's message without its position prefix: the apiserver shows the cause alone. */
    private static String evaluationError(CelEvaluationException e) {
        Throwable t = e;
        while (t.getCause() instanceof CelEvaluationException || (t.getCause() != null && t.getCause() != t && t.getMessage() == null)) {
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage());
        return m.replaceFirst("^evaluation error( at [^:]*:\\d+)?: ", "");
    }
}
