package io.meshlane.control.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;

/** The one JSON/YAML codec of the API: objects travel as Jackson trees. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode JSON: " + e.getMessage(), e);
        }
    }

    public static String string(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode JSON: " + e.getMessage(), e);
        }
    }

    /** Decodes a stored value; stored values were validated JSON objects when written. */
    public static ObjectNode stored(byte[] value) {
        try {
            return (ObjectNode) MAPPER.readTree(value);
        } catch (IOException e) {
            throw new IllegalStateException("a stored object is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Decodes a request body (JSON, or YAML when the content type says so) or fails with 400. */
    public static JsonNode request(byte[] body, String contentType) {
        if (body == null || body.length == 0) {
            throw ApiError.badRequest("the request has no body; send the object as JSON or YAML");
        }
        boolean yaml = contentType != null && contentType.contains("yaml");
        try {
            JsonNode node = (yaml ? YAML : MAPPER).readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiError.badRequest("the request body is empty; send the object as JSON or YAML");
            }
            return node;
        } catch (IOException e) {
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw ApiError.badRequest("the request body is not valid " + (yaml ? "YAML" : "JSON") + ": " + first
                    + " (check the file's syntax, e.g. with a YAML or JSON linter)");
        }
    }

    public static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
