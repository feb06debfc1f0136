package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Drops fields the schema does not declare (unless x-kubernetes-preserve-unknown-fields) and names them. */
public final class Pruner {

    private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");

    private Pruner() {
    }

    /** Prunes {@code object} in place; returns the dropped fields as {@code .spec.foo} paths. */
    public static List<String> prune(ObjectNode object, JsonNode schema) {
        List<String> dropped = new ArrayList<>();
        if (schema != null && !schema.isNull()) {
            pruneObject(object, schema, "", dropped, true);
        }
        return dropped;
    }

    private static void prune(JsonNode value, JsonNode schema, String path, List<String> dropped) {
        if (schema == null || value == null) {
            return;
        }
        if (value.isObject()) {
            pruneObject((ObjectNode) value, schema, path, dropped, false);
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                prune(value.get(i), schema.get("items"), path + "[" + i + "]", dropped);
            }
        }
    }

    private static void pruneObject(ObjectNode object, JsonNode schema, String path, List<String> dropped, boolean root) {
        boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            String fieldPath = path + "." + name;
            if (root && ROOT_FIELDS.contains(name)) {
                continue;
            }
            if (properties != null && properties.has(name)) {
                prune(field.getValue(), properties.get(name), fieldPath, dropped);
            } else if (additional != null && additional.isObject()) {
                prune(field.getValue(), additional, fieldPath, dropped);
            } else if (!preserve && !(additional != null && additional.asBoolean(false))) {
                dropped.add(fieldPath);
                fields.remove();
            }
        }
    }
}
