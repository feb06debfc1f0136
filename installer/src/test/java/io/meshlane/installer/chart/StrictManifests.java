package io.meshlane.installer.chart;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Rendered manifests parsed into fabric8's typed models, strictly: an unknown kind or an unknown
 * field anywhere fails. fabric8's models keep unknown fields in {@code additionalProperties}
 * (a Jackson any-setter, which FAIL_ON_UNKNOWN_PROPERTIES does not reach), so every object of the
 * parsed tree is also checked for an empty {@code additionalProperties}.
 */
final class StrictManifests {

    private StrictManifests() {
    }

    static List<HasMetadata> parse(String yamlStream) throws Exception {
        tools.jackson.databind.ObjectMapper strict = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        KubernetesSerialization serialization = new KubernetesSerialization(strict, true);
        List<HasMetadata> objects = new ArrayList<>();
        var docs = new ObjectMapper().readValues(new YAMLFactory().createParser(yamlStream), JsonNode.class);
        while (docs.hasNext()) {
            JsonNode doc = docs.next();
            if (doc == null || doc.isNull() || doc.isEmpty()) {
                continue;
            }
            KubernetesResource parsed = serialization.unmarshal(doc.toString(), KubernetesResource.class);
            String what = doc.path("kind").asText() + " " + doc.at("/metadata/name").asText();
            assertFalse(parsed instanceof GenericKubernetesResource, what + ": no typed model for " + doc.path("apiVersion").asText());
            noUnknownFields(parsed, what, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
            objects.add((HasMetadata) parsed);
        }
        return objects;
    }

    static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> kind) {
        List<T> found = all(objects, kind);
        assertEquals(1, found.size(), "one " + kind.getSimpleName() + " in " + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList());
        return found.get(0);
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    private static void noUnknownFields(Object value, String where, Set<Object> seen) throws Exception {
        if (value == null || !seen.add(value)) {
            return;
        }
        if (value instanceof Collection<?> c) {
            for (Object o : c) {
                noUnknownFields(o, where, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> m) {
            for (Object o : m.values()) {
                noUnknownFields(o, where, seen);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || getter.getDeclaringClass() == Object.class
                    || !(getter.getName().startsWith("get") || getter.getName().startsWith("is"))) {
                continue;
            }
            Object field = getter.invoke(value);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    fail(where + ": unknown field(s) " + extra.keySet() + " in " + value.getClass().getSimpleName());
                }
                continue;
            }
            noUnknownFields(field, where, seen);
        }
    }
}
