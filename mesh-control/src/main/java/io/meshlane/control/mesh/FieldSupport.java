package io.meshlane.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Which spec fields of Istio's kinds meshlane acts on, read from {@code field-support.yaml}: an object
 * that uses any other field is accepted, as Istio's API allows, but the fields are named so that nobody
 * believes a rule is in force when it is not.
 */
public final class FieldSupport {

    /** Where a field takes effect. */
    public enum Support { BOTH, ENVOY, UNSUPPORTED }

    /** One listed field: its path under spec ({@code http[].match[].uri.exact}), support and note. */
    public record Row(String kind, String path, Support support, String note) {
    }

    private static final String ARRAY = "[]";
    private static final String ANY_KEY = "*";
    private static final FieldSupport ISTIO = load();

    private final Map<String, Object> kinds;

    private FieldSupport(Map<String, Object> kinds) {
        this.kinds = kinds;
    }

    public static FieldSupport istio() {
        return ISTIO;
    }

    /** True for the kinds the catalogue describes (Istio's networking, security and telemetry kinds). */
    public boolean describes(String kind) {
        return kinds.containsKey(kind);
    }

    /** The reason a whole kind has no effect, when meshlane translates none of it. */
    public Optional<String> unsupportedKind(String kind) {
        Object entry = kinds.get(kind);
        if (entry instanceof String leaf) {
            Row row = parse(kind, "", leaf);
            return row.support() == Support.UNSUPPORTED ? Optional.of(row.note()) : Optional.empty();
        }
        return Optional.empty();
    }

    /** The fields of {@code spec} meshlane does not act on, as paths with indices ({@code spec.http[0].match[1].queryParams}). */
    public List<String> unsupportedFields(String kind, JsonNode spec) {
        List<String> out = new ArrayList<>();
        Object entry = kinds.get(kind);
        if (entry instanceof Map<?, ?> fields && spec.isObject()) {
            walk(fields, spec, "spec", out);
        }
        return out;
    }

    private static void walk(Map<?, ?> fields, JsonNode object, String path, List<String> out) {
        object.fields().forEachRemaining(field -> {
            String name = field.getKey();
            String at = path + "." + name;
            JsonNode value = field.getValue();
            if (fields.containsKey(name + ARRAY) && value.isArray()) {
                Object items = fields.get(name + ARRAY);
                if (items instanceof String leaf) {
                    entry(leaf, value, at, out);
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    entry(items, value.get(i), at + "[" + i + "]", out);
                }
            } else if (fields.containsKey(name)) {
                entry(fields.get(name), value, at, out);
            } else if (fields.containsKey(ANY_KEY)) {
                entry(fields.get(ANY_KEY), value, at, out);
            } else {
                out.add(at);
            }
        });
    }

    private static void entry(Object entry, JsonNode value, String path, List<String> out) {
        if (entry instanceof String leaf) {
            if (parse("", path, leaf).support() == Support.UNSUPPORTED) {
                out.add(path);
            }
        } else if (entry instanceof Map<?, ?> fields && value.isObject()) {
            walk(fields, value, path, out);
        }
    }

    /** Every listed field, depth first in the file's order; the docs table is made from these. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        kinds.forEach((kind, entry) -> rows(kind, entry, "", rows));
        return rows;
    }

    private static void rows(String kind, Object entry, String path, List<Row> rows) {
        if (entry instanceof String leaf) {
            rows.add(parse(kind, path, leaf));
        } else if (entry instanceof Map<?, ?> fields) {
            fields.forEach((name, child) -> rows(kind, child, path.isEmpty() ? name.toString() : path + "." + name, rows));
        }
    }

    private static Row parse(String kind, String path, String leaf) {
        int dash = leaf.indexOf(" - ");
        String word = (dash < 0 ? leaf : leaf.substring(0, dash)).trim();
        String note = dash < 0 ? "" : leaf.substring(dash + 3).trim();
        Support support = switch (word) {
            case "both" -> Support.BOTH;
            case "envoy" -> Support.ENVOY;
            case "unsupported" -> Support.UNSUPPORTED;
            default -> throw new IllegalStateException("field-support.yaml: '" + leaf + "' must start with both, envoy or unsupported");
        };
        return new Row(kind, path, support, note);
    }

    @SuppressWarnings("unchecked")
    private static FieldSupport load() {
        try (InputStream in = FieldSupport.class.getResourceAsStream("field-support.yaml")) {
            if (in == null) {
                throw new IllegalStateException("field-support.yaml is missing from the classpath");
            }
            Map<String, Object> kinds = new Yaml(new LoaderOptions()).load(in);
            return new FieldSupport(kinds);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
