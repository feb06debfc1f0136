package io.meshlane.control.api;

import com.fasterxml.jackson.databind.JsonNode;

/** The simple JSONPath subset printer columns use: {@code .a.b}, {@code .a[0].b}, {@code .a['x.y']}. */
final class JsonPaths {
    private JsonPaths() {
    }

    static JsonNode find(JsonNode root, String path) {
        String p = path.trim();
        if (p.startsWith("{") && p.endsWith("}")) {
            p = p.substring(1, p.length() - 1);
        }
        JsonNode node = root;
        int i = 0;
        while (i < p.length() && node != null) {
            char c = p.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
                    end++;
                }
                node = node.get(p.substring(i + 1, end));
                i = end;
            } else if (c == '[') {
                int end = p.indexOf(']', i);
                if (end < 0) {
                    return null;
                }
                String inner = p.substring(i + 1, end).trim();
                if (inner.startsWith("'") || inner.startsWith("\"")) {
                    node = node.get(inner.substring(1, inner.length() - 1));
                } else {
                    try {
                        node = node.get(Integer.parseInt(inner));
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                i = end + 1;
            } else {
                return null;
            }
        }
        return node;
    }
}
