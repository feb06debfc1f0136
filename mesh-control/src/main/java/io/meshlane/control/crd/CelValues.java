package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts JSON values to CEL values, typed by their schema (number fields become doubles). */
final class CelValues {
    private CelValues() {
    }

    static Object of(JsonNode value, JsonNode schema) {
        if (value == null || value.isNull()) {
            return dev.cel.common.values.NullValue.NULL_VALUE;
        }
        String type = schema == null ? "" : schema.path("type").asText("");
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        if (value.isNumber()) {
            if (type.equals("number") || (value.isFloatingPointNumber() && !type.equals("integer"))) {
                return value.asDouble();
            }
            return value.asLong();
        }
        if (value.isArray()) {
            JsonNode items = schema == null ? null : schema.get("items");
            List<Object> list = new ArrayList<>();
            value.forEach(v -> list.add(of(v, items)));
            return list;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        JsonNode properties = schema == null ? null : schema.get("properties");
        JsonNode additional = schema == null ? null : schema.get("additionalProperties");
        Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode s = properties != null && properties.has(f.getKey()) ? properties.get(f.getKey())
                    : additional != null && additional.isObject() ? additional : null;
            map.put(f.getKey(), of(f.getValue(), s));
        }
        return map;
    }
}
