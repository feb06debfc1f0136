package io.meshlane.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.crd.KindVersion;
import io.meshlane.control.crd.ResourceKind;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * OpenAPI v3 per group-version ({@code /openapi/v3/apis/<g>/<v>}): component schemas tagged with
 * {@code x-kubernetes-group-version-kind} (what {@code kubectl explain} looks for) and paths whose
 * PATCH operations list the {@code fieldValidation} parameter (what makes {@code kubectl apply}
 * use server-side field validation).
 */
public final class OpenApiDocs {

    private static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    private final KindRegistry registry;

    public OpenApiDocs(KindRegistry registry) {
        this.registry = registry;
    }

    public ObjectNode index() {
        ObjectNode o = Json.object();
        ObjectNode paths = o.putObject("paths");
        List<String> gvs = new ArrayList<>();
        for (ResourceKind k : registry.all()) {
            for (KindVersion v : k.versions()) {
                String gv = k.group().isEmpty() ? "api/" + v.name() : "apis/" + k.group() + "/" + v.name();
                if (!gvs.contains(gv)) {
                    gvs.add(gv);
                }
            }
        }
        Collections.sort(gvs);
        for (String gv : gvs) {
            paths.putObject(gv).put("serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + hash(gv));
        }
        return o;
    }

    private String hash(String gv) {
        return Long.toHexString((gv.hashCode() * 31L) ^ registry.changes());
    }

    static String componentName(ResourceKind k, String version) {
        List<String> parts = new ArrayList<>(List.of((k.group().isEmpty() ? "io.k8s.api.core" : k.group()).split("\\.")));
        if (!k.group().isEmpty()) {
            Collections.reverse(parts);
        }
        return String.join(".", parts) + "." + version + "." + k.kind();
    }

    public ObjectNode document(String group, String version) {
        ObjectNode doc = Json.object().put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
        ObjectNode paths = doc.putObject("paths");
        ObjectNode schemas = doc.putObject("components").putObject("schemas");
        boolean any = false;
        for (ResourceKind k : registry.all()) {
            if (!k.group().equals(group) || k.version(version).isEmpty()) {
                continue;
            }
            any = true;
            KindVersion v = k.version(version).get();
            String name = componentName(k, version);
            schemas.set(name, kindSchema(k, v));
            schemas.set(name + "List", listSchema(k, version, name));
            String base = (group.isEmpty() ? "/api/" : "/apis/" + group + "/") + version;
            String collection = base + (k.namespaced() ? "/namespaces/{namespace}/" : "/") + k.plural();
            paths.set(collection, collectionPath(k, version, name));
            paths.set(collection + "/{name}", itemPath(k, version, name));
        }
        if (!any) {
            throw ApiError.notFoundPath("/openapi/v3/" + (group.isEmpty() ? "api/" : "apis/" + group + "/") + version);
        }
        schemas.set(OBJECT_META, objectMeta());
        return doc;
    }

    private static ObjectNode gvk(ResourceKind k, String version) {
        return Json.object().put("group", k.group()).put("kind", k.kind()).put("version", version);
    }

    private ObjectNode kindSchema(ResourceKind k, KindVersion v) {
        JsonNode schema = v.schema();
        ObjectNode s = schema != null && schema.isObject() ? (ObjectNode) schema.deepCopy() : Json.object().put("type", "object");
        if (!s.has("description")) {
            s.put("description", k.kind() + " is served by meshlane's control plane.");
        }
        ObjectNode properties = s.has("properties") ? (ObjectNode) s.get("properties") : s.putObject("properties");
        properties.set("apiVersion", Json.object().put("type", "string").put("description",
                "APIVersion defines the versioned schema of this representation of an object."));
        properties.set("kind", Json.object().put("type", "string").put("description",
                "Kind is a string value representing the REST resource this object represents."));
        ObjectNode meta = Json.object();
        meta.putArray("allOf").addObject().put("$ref", "#/components/schemas/" + OBJECT_META);
        meta.put("description", "Standard object's metadata.");
        properties.set("metadata", meta);
        s.putArray("x-kubernetes-group-version-kind").add(gvk(k, v.name()));
        return s;
    }

    private static ObjectNode listSchema(ResourceKind k, String version, String item) {
        ObjectNode s = Json.object().put("type", "object").put("description", k.listKind() + " is a list of " + k.kind());
        ObjectNode p = s.putObject("properties");
        p.putObject("apiVersion").put("type", "string");
        p.putObject("kind").put("type", "string");
        ObjectNode items = p.putObject("items").put("type", "array");
        items.putObject("items").put("$ref", "#/components/schemas/" + item);
        s.putArray("required").add("items");
        ObjectNode listGvk = Json.object().put("group", k.group()).put("kind", k.listKind()).put("version", version);
        s.putArray("x-kubernetes-group-version-kind").add(listGvk);
        return s;
    }

    private static ObjectNode operation(ResourceKind k, String version, String id, String schemaRef, boolean body, List<String> params) {
        ObjectNode op = Json.object().put("operationId", id);
        op.put("x-kubernetes-action", id.substring(0, id.indexOf('_')));
        op.set("x-kubernetes-group-version-kind", gvk(k, version));
        ArrayNode parameters = op.putArray("parameters");
        for (String p : params) {
            parameters.addObject().put("name", p).put("in", "query").put("uniqueItems", true)
                    .putObject("schema").put("type", "string");
        }
        if (body) {
            ObjectNode content = op.putObject("requestBody").put("required", true).putObject("content");
            content.putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/" + schemaRef);
        }
        ObjectNode ok = op.putObject("responses").putObject("200").put("description", "OK");
        ok.putObject("content").putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/" + schemaRef);
        return op;
    }

    private static ObjectNode collectionPath(ResourceKind k, String version, String name) {
        ObjectNode path = Json.object();
        path.set("get", operation(k, version, "list_" + k.kind(), name + "List", false,
                List.of("labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch", "allowWatchBookmarks", "timeoutSeconds")));
        path.set("post", operation(k, version, "create_" + k.kind(), name, true, List.of("dryRun", "fieldManager", "fieldValidation")));
        return path;
    }

    private static ObjectNode itemPath(ResourceKind k, String version, String name) {
        ObjectNode path = Json.object();
        path.set("get", operation(k, version, "read_" + k.kind(), name, false, List.of("resourceVersion")));
        path.set("put", operation(k, version, "replace_" + k.kind(), name, true, List.of("dryRun", "fieldManager", "fieldValidation")));
        path.set("patch", operation(k, version, "patch_" + k.kind(), name, true, List.of("dryRun", "fieldManager", "fieldValidation", "force")));
        path.set("delete", operation(k, version, "delete_" + k.kind(), name, false, List.of("dryRun", "gracePeriodSeconds", "propagationPolicy")));
        return path;
    }

    private static ObjectNode objectMeta() {
        ObjectNode s = Json.object().put("type", "object").put("description",
                "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.");
        ObjectNode p = s.putObject("properties");
        p.putObject("name").put("type", "string").put("description", "Name must be unique within a namespace.");
        p.putObject("namespace").put("type", "string").put("description", "Namespace defines the space within which each name must be unique.");
        p.putObject("generateName").put("type", "string").put("description", "An optional prefix used by the server to generate a unique name.");
        p.putObject("uid").put("type", "string").put("description", "UID is the unique in time and space value for this object.");
        p.putObject("resourceVersion").put("type", "string").put("description", "An opaque value that represents the internal version of this object.");
        p.putObject("generation").put("type", "integer").put("format", "int64").put("description", "A sequence number representing a specific generation of the desired state.");
        p.putObject("creationTimestamp").put("type", "string").put("format", "date-time").put("description", "The server time when this object was created.");
        p.putObject("deletionTimestamp").put("type", "string").put("format", "date-time").put("description", "The time at which this resource will be deleted.");
        ObjectNode labels = p.putObject("labels").put("type", "object").put("description", "Map of string keys and values to organize and categorize objects.");
        labels.putObject("additionalProperties").put("type", "string");
        ObjectNode annotations = p.putObject("annotations").put("type", "object").put("description", "Unstructured key value map stored with a resource.");
        annotations.putObject("additionalProperties").put("type", "string");
        ObjectNode finalizers = p.putObject("finalizers").put("type", "array").put("description", "Must be empty before the object is deleted from the registry.");
        finalizers.putObject("items").put("type", "string");
        return s;
    }
}
