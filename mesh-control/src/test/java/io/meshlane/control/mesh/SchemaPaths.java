package io.meshlane.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;

/** The field paths an OpenAPI schema defines, written as field-support.yaml writes them ({@code http[].match[].uri.exact}). */
final class SchemaPaths {
    private SchemaPaths() {
    }

    static Set<String> of(JsonNode schema) {
        Set<String> out = new TreeSet<>();
        walk(schema, "", out);
        return out;
    }

    private static void walk(JsonNode schema, String path, Set<String> out) {
        if (schema.path("type").asText().equals("array")) {
            walk(schema.path("items"), path + "[]", out);
        } else if (schema.path("properties").isObject() && !schema.path("properties").isEmpty()) {
            schema.path("properties").fields().forEachRemaining(p -> walk(p.getValue(), path.isEmpty() ? p.getKey() : path + "." + p.getKey(), out));
        } else if (schema.path("additionalProperties").isObject()) {
            out.add(path + ".*");
        } else if (!path.isEmpty()) {
            out.add(path);
        }
    }
}
