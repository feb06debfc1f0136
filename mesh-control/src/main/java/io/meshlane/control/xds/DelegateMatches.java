package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The matches of a delegate VirtualService's route inside the root route that delegates to it, as Istio
 * merges them: every pair of a root match and a delegate match becomes one match holding both sets of
 * conditions. A delegate may only narrow the root: its URI must lie within the root's, and a condition both
 * set must agree; a pair that contradicts itself is dropped, as Istio drops it.
 */
final class DelegateMatches {
    private static final Set<String> MAPS = Set.of("headers", "withoutHeaders", "queryParams");

    private DelegateMatches() {
    }

    static ArrayNode merge(JsonNode rootMatches, JsonNode delegateMatches) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        List<JsonNode> roots = orAny(rootMatches);
        List<JsonNode> delegates = orAny(delegateMatches);
        for (JsonNode root : roots) {
            for (JsonNode delegate : delegates) {
                merge((ObjectNode) root, delegate).ifPresent(out::add);
            }
        }
        return out;
    }

    private static List<JsonNode> orAny(JsonNode matches) {
        if (!matches.isArray() || matches.isEmpty()) {
            return List.of(JsonNodeFactory.instance.objectNode());
        }
        List<JsonNode> list = new ArrayList<>();
        matches.forEach(m -> list.add(m.isObject() ? m : JsonNodeFactory.instance.objectNode()));
        return list;
    }

    private static Optional<ObjectNode> merge(ObjectNode root, JsonNode delegate) {
        ObjectNode merged = root.deepCopy();
        merged.remove("name");
        Iterator<Map.Entry<String, JsonNode>> fields = delegate.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            String name = f.getKey();
            JsonNode value = f.getValue();
            JsonNode existing = merged.get(name);
            if (name.equals("name")) {
                continue;
            } else if (existing == null) {
                merged.set(name, value);
            } else if (name.equals("uri")) {
                if (!within(value, existing)) {
                    return Optional.empty();
                }
                merged.set(name, value);
            } else if (MAPS.contains(name) && existing.isObject() && value.isObject()) {
                ObjectNode union = existing.deepCopy();
                Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
                while (entries.hasNext()) {
                    var e = entries.next();
                    if (union.has(e.getKey()) && !union.get(e.getKey()).equals(e.getValue())) {
                        return Optional.empty();
                    }
                    union.set(e.getKey(), e.getValue());
                }
                merged.set(name, union);
            } else if (!existing.equals(value)) {
                return Optional.empty();
            }
        }
        return Optional.of(merged);
    }

    /** True when every URI the delegate's match accepts is one the root's accepts. */
    private static boolean within(JsonNode delegateUri, JsonNode rootUri) {
        if (delegateUri.equals(rootUri)) {
            return true;
        }
        if (rootUri.has("prefix")) {
            String prefix = rootUri.path("prefix").asText();
            return delegateUri.has("prefix") && delegateUri.path("prefix").asText().startsWith(prefix)
                    || delegateUri.has("exact") && delegateUri.path("exact").asText().startsWith(prefix);
        }
        return false;
    }
}
