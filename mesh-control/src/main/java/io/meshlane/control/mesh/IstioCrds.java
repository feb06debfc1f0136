package io.meshlane.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshlane.control.crd.BuiltinKinds;
import io.meshlane.control.crd.CrdDefinition;
import io.meshlane.control.store.KeyExistsException;
import io.meshlane.control.store.ResourceStore;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Istio's kinds (VirtualService, DestinationRule, PeerAuthentication, …) as CRDs stored at the
 * first start, so {@code kubectl apply} of Istio configuration works without Istio's CRD file.
 * A CRD already stored (Istio's own, applied over ours) is never touched, so a restart keeps it.
 */
public final class IstioCrds {
    private IstioCrds() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The built-in CRD documents, expanded from {@code istio-kinds.yaml}. */
    public static List<ObjectNode> all() {
        List<ObjectNode> crds = new ArrayList<>();
        for (JsonNode entry : kinds()) {
            crds.add(crd(entry));
        }
        return crds;
    }

    /** Stores each built-in CRD whose name is not stored yet; returns how many it stored. */
    public static int installMissing(ResourceStore store) {
        int installed = 0;
        for (ObjectNode crd : all()) {
            String key = BuiltinKinds.customResourceDefinitions().key(null, crd.path("metadata").path("name").asText());
            if (store.get(key).isPresent()) {
                continue;
            }
            ObjectNode meta = (ObjectNode) crd.get("metadata");
            meta.put("uid", UUID.randomUUID().toString());
            meta.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            meta.put("generation", 1);
            CrdDefinition.markEstablished(crd);
            try {
                store.create(key, JSON.writeValueAsBytes(crd));
                installed++;
            } catch (KeyExistsException e) {
                // another replica sharing the etcd stored it first
            } catch (IOException e) {
                throw new IllegalStateException("cannot encode the built-in CRD " + key + ": " + e.getMessage(), e);
            }
        }
        return installed;
    }

    private static JsonNode kinds() {
        try (InputStream in = IstioCrds.class.getResourceAsStream("istio-kinds.yaml")) {
            if (in == null) {
                throw new IllegalStateException("istio-kinds.yaml is missing from the mesh-control jar; rebuild it");
            }
            return new ObjectMapper(new YAMLFactory()).readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read istio-kinds.yaml: " + e.getMessage(), e);
        }
    }

    private static ObjectNode crd(JsonNode entry) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        String group = entry.get("group").asText();
        String kind = entry.get("kind").asText();
        String plural = entry.get("plural").asText();
        ObjectNode crd = f.objectNode().put("apiVersion", "apiextensions.k8s.io/v1").put("kind", "CustomResourceDefinition");
        crd.putObject("metadata").put("name", plural + "." + group);
        ObjectNode spec = crd.putObject("spec").put("group", group).put("scope", "Namespaced");
        ObjectNode names = spec.putObject("names").put("kind", kind).put("listKind", kind + "List")
                .put("plural", plural).put("singular", kind.toLowerCase());
        if (entry.has("shortNames")) {
            names.set("shortNames", entry.get("shortNames").deepCopy());
        }
        names.putArray("categories").add("istio-io").add(group.replace('.', '-'));
        ArrayNode versions = spec.putArray("versions");
        boolean first = true;
        for (JsonNode v : entry.get("versions")) {
            ObjectNode version = versions.addObject().put("name", v.asText()).put("served", true).put("storage", first);
            first = false;
            ArrayNode columns = version.putArray("additionalPrinterColumns");
            if (entry.has("columns")) {
                entry.get("columns").forEach(c -> columns.add(c.deepCopy()));
            }
            columns.addObject().put("name", "Age").put("type", "date").put("jsonPath", ".metadata.creationTimestamp")
                    .put("description", "CreationTimestamp is the server time when this object was created.");
            version.putObject("subresources").putObject("status");
            ObjectNode schema = version.putObject("schema").putObject("openAPIV3Schema").put("type", "object")
                    .put("description", kind + " (" + group + "), as meshlane serves it until Istio's own CRD is applied.");
            ObjectNode properties = schema.putObject("properties");
            properties.set("spec", entry.get("spec").deepCopy());
            properties.putObject("status").put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
        }
        return crd;
    }
}
