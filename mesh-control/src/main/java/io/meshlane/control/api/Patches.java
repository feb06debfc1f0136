package io.meshlane.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import java.util.Iterator;
import java.util.Map;

/** JSON merge patch (RFC 7386) and JSON patch (RFC 6902) on Jackson trees. */
public final class Patches {

    public static final String MERGE = "application/merge-patch+json";
    public static final String JSON = "application/json-patch+json";
    public static final String STRATEGIC = "application/strategic-merge-patch+json";
    public static final String APPLY = "application/apply-patch+yaml";

    private Patches() {
    }

    public static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? (ObjectNode) target.deepCopy() : Json.object();
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isNull()) {
                result.remove(f.getKey());
            } else {
                result.set(f.getKey(), merge(result.get(f.getKey()), f.getValue()));
            }
        }
        return result;
    }

    public static JsonNode jsonPatch(JsonNode target, JsonNode operations) {
        if (!operations.isArray()) {
            throw ApiError.badRequest("a JSON patch must be an array of operations, e.g. [{\"op\":\"replace\",\"path\":\"/spec/x\",\"value\":1}]");
        }
        JsonNode doc = target.deepCopy();
        for (JsonNode op : operations) {
            String kind = op.path("op").asText("");
            String path = op.path("path").asText(null);
            if (path == null) {
                throw ApiError.badRequest("JSON patch operation " + op + " has no path");
            }
            doc = switch (kind) {
                case "add" -> add(doc, path, value(op));
                case "remove" -> remove(doc, path);
                case "replace" -> add(remove(doc, path), path, value(op));
                case "move" -> {
                    JsonNode moved = at(doc, op.path("from").asText());
                    yield add(remove(doc, op.path("from").asText()), path, moved);
                }
                case "copy" -> add(doc, path, at(doc, op.path("from").asText()).deepCopy());
                case "test" -> {
                    if (!at(doc, path).equals(op.get("value"))) {
                        throw new ApiError(422, "Invalid", "JSON patch test failed: " + path + " is not " + op.get("value"), null);
                    }
                    yield doc;
                }
                default -> throw ApiError.badRequest("unknown JSON patch operation \"" + kind + "\" (use add, remove, replace, move, copy or test)");
            };
        }
        return doc;
    }

    private static JsonNode value(JsonNode op) {
        if (!op.has("value")) {
            throw ApiError.badRequest("JSON patch operation " + op + " has no value");
        }
        return op.get("value");
    }

    private static String[] tokens(String path) {
        if (path.isEmpty()) {
            return new String[0];
        }
        if (!path.startsWith("/")) {
            throw ApiError.badRequest("JSON pointer \"" + path + "\" must start with /");
        }
        String[] parts = path.substring(1).split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].replace("~1", "/").replace("~0", "~");
        }
        return parts;
    }

    private static JsonNode at(JsonNode doc, String path) {
        JsonNode node = doc;
        for (String t : tokens(path)) {
            node = node.isArray() ? node.get(index(t, node.size() - 1, path)) : node.get(t);
            if (node == null) {
                throw new ApiError(422, "Invalid", "JSON patch path " + path + " does not exist in the object", null);
            }
        }
        return node;
    }

    private static int index(String token, int max, String path) {
        try {
            int i = Integer.parseInt(token);
            if (i < 0 || i > max) {
                throw new NumberFormatException();
            }
            return i;
        } catch (NumberFormatException e) {
            throw new ApiError(422, "Invalid", "JSON patch path " + path + ": \"" + token + "\" is not a valid array index", null);
        }
    }

    private static JsonNode add(JsonNode doc, String path, JsonNode value) {
        String[] t = tokens(path);
        if (t.length == 0) {
            return value.deepCopy();
        }
        JsonNode parent = at(doc, "/" + String.join("/", java.util.Arrays.copyOf(escape(t), t.length - 1)));
        String last = t[t.length - 1];
        if (parent instanceof ArrayNode array) {
            if (last.equals("-")) {
                array.add(value.deepCopy());
            } else {
                array.insert(index(last, array.size(), path), value.deepCopy());
            }
        } else if (parent instanceof ObjectNode object) {
            object.set(last, value.deepCopy());
        } else {
            throw new ApiError(422, "Invalid", "JSON patch path " + path + " does not point into an object or array", null);
        }
        return doc;
    }

    private static String[] escape(String[] tokens) {
        String[] out = new String[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            out[i] = tokens[i].replace("~", "~0").replace("/", "~1");
        }
        return out;
    }

    private static JsonNode remove(JsonNode doc, String path) {
        String[] t = tokens(path);
        if (t.length == 0) {
            throw new ApiError(422, "Invalid", "JSON patch cannot remove the whole object", null);
        }
        String parentPath = t.length == 1 ? "" : "/" + String.join("/", java.util.Arrays.copyOf(escape(t), t.length - 1));
        JsonNode parent = at(doc, parentPath);
        String last = t[t.length - 1];
        if (parent instanceof ArrayNode array) {
            array.remove(index(last, array.size() - 1, path));
        } else if (parent instanceof ObjectNode object && object.has(last)) {
            object.remove(last);
        } else {
            throw new ApiError(422, "Invalid", "JSON patch path " + path + " does not exist in the object", null);
        }
        return doc;
    }
}
