package io.meshlane.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlane.control.http.ApiError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A label selector ({@code app=x,tier!=db,env in (a,b),!legacy}) or field selector
 * ({@code metadata.name=x,metadata.namespace!=y}), parsed once and matched per object.
 */
public record Selector(List<Requirement> requirements) {

    public record Requirement(String key, String op, Set<String> values) {
        boolean matches(String actual) {
            return switch (op) {
                case "=", "==", "in" -> actual != null && values.contains(actual);
                case "!=", "notin" -> actual == null || !values.contains(actual);
                case "exists" -> actual != null;
                case "!" -> actual == null;
                default -> false;
            };
        }
    }

    public static final Selector EVERYTHING = new Selector(List.of());
    private static final Set<String> FIELDS = Set.of("metadata.name", "metadata.namespace");

    public static Selector labels(String text) {
        return parse(text, "labelSelector", false);
    }

    public static Selector fields(String text) {
        return parse(text, "fieldSelector", true);
    }

    private static Selector parse(String text, String parameter, boolean fields) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        for (String part : split(text)) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            Requirement r;
            java.util.regex.Matcher set = java.util.regex.Pattern.compile("^([^\\s!=]+)\\s+(in|notin)\\s+\\((.*)\\)$").matcher(p);
            if (set.matches()) {
                r = new Requirement(set.group(1), set.group(2), Set.of(trimAll(set.group(3).split(","))));
            } else if (p.contains("!=")) {
                r = new Requirement(p.substring(0, p.indexOf("!=")).trim(), "!=", Set.of(p.substring(p.indexOf("!=") + 2).trim()));
            } else if (p.contains("==")) {
                r = new Requirement(p.substring(0, p.indexOf("==")).trim(), "=", Set.of(p.substring(p.indexOf("==") + 2).trim()));
            } else if (p.contains("=")) {
                r = new Requirement(p.substring(0, p.indexOf('=')).trim(), "=", Set.of(p.substring(p.indexOf('=') + 1).trim()));
            } else if (!fields && p.startsWith("!")) {
                r = new Requirement(p.substring(1).trim(), "!", Set.of());
            } else if (!fields && p.matches("^[A-Za-z0-9./_-]+$")) {
                r = new Requirement(p, "exists", Set.of());
            } else {
                throw ApiError.badRequest("unable to parse requirement \"" + p + "\" in " + parameter + "=" + text
                        + " (examples: app=web, app!=web, app in (a,b), !app)");
            }
            if (fields && !FIELDS.contains(r.key())) {
                throw ApiError.badRequest("\"" + r.key() + "\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
            }
            out.add(r);
        }
        return new Selector(List.copyOf(out));
    }

    private static String[] trimAll(String[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = values[i].trim();
        }
        return values;
    }

    /** Splits on commas outside parentheses. */
    private static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
            if (c == ',' && depth == 0) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    public boolean matchesLabels(JsonNode object) {
        JsonNode labels = object.path("metadata").path("labels");
        for (Requirement r : requirements) {
            JsonNode v = labels.get(r.key());
            if (!r.matches(v == null || v.isNull() ? null : v.asText())) {
                return false;
            }
        }
        return true;
    }

    public boolean matchesFields(JsonNode object) {
        for (Requirement r : requirements) {
            String field = r.key().substring("metadata.".length());
            if (!r.matches(object.path("metadata").path(field).asText(""))) {
                return false;
            }
        }
        return true;
    }
}
