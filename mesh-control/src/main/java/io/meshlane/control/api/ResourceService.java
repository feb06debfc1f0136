package io.meshlane.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.FieldError;
import io.meshlane.control.crd.KindRegistry.Served;
import io.meshlane.control.crd.ObjectValidation;
import io.meshlane.control.crd.ResourceKind;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import io.meshlane.control.store.KeyExistsException;
import io.meshlane.control.store.KeyNotFoundException;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.RevisionConflictException;
import io.meshlane.control.store.StoredObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Create, read, update and delete of any served kind with the apiserver's object semantics:
 * uid, creationTimestamp, generation (bumped when anything but metadata/status changes),
 * resourceVersion as optimistic lock, finalizers with deletionTimestamp, status subresource.
 */
public final class ResourceService {

    private static final int UPDATE_RETRIES = 8;

    private final ResourceStore store;
    private final ObjectValidation validation;
    private final List<WriteListener> listeners;
    private final ViewBytes views = new ViewBytes(16_384);

    /** Notified after a successful (non-dry-run) write, e.g. to serve a new CRD immediately. */
    public interface WriteListener {
        void written(ResourceKind kind, ObjectNode object, boolean deleted);
    }

    public ResourceService(ResourceStore store, ObjectValidation validation, List<WriteListener> listeners) {
        this.store = store;
        this.validation = validation;
        this.listeners = List.copyOf(listeners);
    }

    public ResourceStore store() {
        return store;
    }

    static ObjectNode metadata(ObjectNode object) {
        JsonNode m = object.get("metadata");
        return m instanceof ObjectNode o ? o : object.putObject("metadata");
    }

    /** The stored object as the client sees it in {@code version}. */
    public static ObjectNode view(Served s, StoredObject stored) {
        ObjectNode o = Json.stored(stored.value());
        o.put("apiVersion", s.kind().apiVersion(s.version().name()));
        metadata(o).put("resourceVersion", Long.toString(stored.modRevision()));
        return o;
    }

    private String name(Served s, String namespace, String name) {
        return namespace == null || !s.kind().namespaced() ? name : namespace + "/" + name;
    }

    public ObjectNode get(Served s, String namespace, String name) {
        return store.get(s.kind().key(namespace, name)).map(o -> view(s, o))
                .orElseThrow(() -> ApiError.notFound(s.kind().plural(), s.kind().group(), name));
    }

    /** As {@link #get}, already serialised: an unchanged object is rendered once, not on every read. */
    byte[] getBytes(Served s, String namespace, String name) {
        return store.get(s.kind().key(namespace, name)).map(o -> views.bytes(s, o))
                .orElseThrow(() -> ApiError.notFound(s.kind().plural(), s.kind().group(), name));
    }

    private void checkNamespace(Served s, String namespace) {
        if (s.kind().namespaced() && store.get("/registry/core/namespaces/" + namespace).isEmpty()) {
            throw ApiError.notFound("namespaces", "", namespace);
        }
    }

    private ObjectNode requireObject(Served s, JsonNode body) {
        if (!(body instanceof ObjectNode object)) {
            throw ApiError.badRequest("the body must be a JSON object of kind " + s.kind().kind() + ", not " + body.getNodeType());
        }
        String kind = Json.text(object, "kind");
        if (kind == null || kind.isEmpty()) {
            throw ApiError.badRequest("Object 'Kind' is missing in the body; set kind: " + s.kind().kind());
        }
        if (!kind.equals(s.kind().kind())) {
            throw ApiError.badRequest("the kind in the body (" + kind + ") does not match the resource "
                    + s.kind().qualifiedResource() + " (kind " + s.kind().kind() + ")");
        }
        String apiVersion = Json.text(object, "apiVersion");
        String group = apiVersion == null ? "" : apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        if (apiVersion == null || !group.equals(s.kind().group())) {
            throw ApiError.badRequest("the API version in the body (" + apiVersion + ") does not match the expected API version ("
                    + s.kind().apiVersion(s.version().name()) + ")");
        }
        return object;
    }

    public WriteResult create(Served s, String namespace, JsonNode body, RequestOptions options) {
        ObjectNode object = requireObject(s, body).deepCopy();
        ObjectNode meta = metadata(object);
        String bodyNamespace = Json.text(meta, "namespace");
        if (s.kind().namespaced()) {
            if (bodyNamespace != null && !bodyNamespace.isEmpty() && !bodyNamespace.equals(namespace)) {
                throw ApiError.badRequest("the namespace of the provided object (" + bodyNamespace
                        + ") does not match the namespace sent on the request (" + namespace + ")");
            }
            meta.put("namespace", namespace);
        } else {
            meta.remove("namespace");
        }
        String name = Json.text(meta, "name");
        if ((name == null || name.isEmpty()) && meta.hasNonNull("generateName")) {
            name = meta.get("generateName").asText() + UUID.randomUUID().toString().substring(0, 5);
            meta.put("name", name);
        }
        if (name == null || name.isEmpty()) {
            throw ApiError.invalid(s.kind().kind(), s.kind().group(), "",
                    List.of(new ApiError.Cause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name")));
        }
        checkNamespace(s, namespace);
        meta.remove(List.of("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"));
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        meta.put("generation", 1);
        if (ObjectValidation.isCrd(s.kind())) {
            io.meshlane.control.crd.CrdDefinition.markEstablished(object);
        } else if (s.kind().group().isEmpty() && s.kind().plural().equals("namespaces")) {
            object.putObject("status").put("phase", "Active");
        }
        List<String> warnings = admit(s, object, null, options);
        object.put("apiVersion", s.kind().apiVersion(s.kind().storageVersion().name()));
        if (options.dryRun()) {
            object.put("apiVersion", s.kind().apiVersion(s.version().name()));
            return new WriteResult(201, object, warnings);
        }
        try {
            StoredObject stored = store.create(s.kind().key(namespace, name), Json.bytes(object));
            ObjectNode view = object;
            view.put("apiVersion", s.kind().apiVersion(s.version().name()));
            meta.put("resourceVersion", Long.toString(stored.modRevision()));
            listeners.forEach(l -> l.written(s.kind(), view, false));
            return new WriteResult(201, view, warnings);
        } catch (KeyExistsException e) {
            throw ApiError.alreadyExists(s.kind().plural(), s.kind().group(), name);
        }
    }

    /** Validates, prunes and applies field validation; returns the checks' warnings, and the unknown fields in Warn mode. */
    private List<String> admit(Served s, ObjectNode object, ObjectNode old, RequestOptions options) {
        ObjectValidation.Result result = validation.validate(s.kind(), s.version(), object, old);
        String name = object.path("metadata").path("name").asText("");
        List<String> unknown = result.unknownFields().stream().map(f -> "unknown field \"" + f.substring(1) + "\"").toList();
        if (!unknown.isEmpty() && options.fieldValidation().equals("Strict")) {
            throw ApiError.badRequest(s.kind().kind() + " in version \"" + s.version().name() + "\" cannot be handled as a "
                    + s.kind().kind() + ": strict decoding error: " + String.join(", ", unknown));
        }
        if (!result.errors().isEmpty()) {
            List<ApiError.Cause> causes = new ArrayList<>();
            for (FieldError e : result.errors()) {
                causes.add(new ApiError.Cause(e.reason(), e.message(), e.field()));
            }
            throw ApiError.invalid(s.kind().kind(), s.kind().group(), name, causes);
        }
        List<String> warnings = new ArrayList<>(result.warnings());
        if (options.fieldValidation().equals("Warn")) {
            warnings.addAll(unknown);
        }
        return warnings;
    }

    public WriteResult update(Served s, String namespace, String name, JsonNode body, RequestOptions options, boolean statusOnly) {
        ObjectNode desired = requireObject(s, body);
        String bodyName = Json.text(desired.path("metadata"), "name");
        if (bodyName != null && !bodyName.equals(name)) {
            throw ApiError.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
        }
        return modify(s, namespace, name, current -> desired.deepCopy(), options, statusOnly, false);
    }

    /**
     * Read-modify-write with retries on concurrent change. A resourceVersion in the desired
     * object is a precondition: if it is stale the answer is 409.
     */
    WriteResult modify(Served s, String namespace, String name, UnaryOperator<ObjectNode> change,
                       RequestOptions options, boolean statusOnly, boolean createIfMissing) {
        String key = s.kind().key(namespace, name);
        for (int attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
            Optional<StoredObject> found = store.get(key);
            if (found.isEmpty()) {
                if (createIfMissing) {
                    ObjectNode fresh = change.apply(Json.object());
                    return create(s, namespace, fresh, options);
                }
                throw ApiError.notFound(s.kind().plural(), s.kind().group(), name);
            }
            StoredObject stored = found.get();
            ObjectNode current = view(s, stored);
            ObjectNode desired = change.apply(current.deepCopy());
            ObjectNode meta = metadata(desired);
            String precondition = Json.text(meta, "resourceVersion");
            if (precondition != null && !precondition.isEmpty() && !precondition.equals(Long.toString(stored.modRevision()))) {
                throw ApiError.conflict(s.kind().plural(), s.kind().group(), name,
                        "the object has been modified; please apply your changes to the latest version and try again");
            }
            ObjectNode next = merged(s, current, desired, statusOnly);
            List<String> warnings = admit(s, next, current, options);
            ObjectNode currentMeta = metadata(current);
            if (!SpecComparison.equalsIgnoringMeta(current, next, s.version().statusSubresource())) {
                metadata(next).put("generation", currentMeta.path("generation").asLong(1) + 1);
            }
            if (next.equals(current)) {
                return new WriteResult(200, current, warnings);
            }
            if (options.dryRun()) {
                return new WriteResult(200, next, warnings);
            }
            boolean finalized = currentMeta.hasNonNull("deletionTimestamp") && metadata(next).path("finalizers").isEmpty();
            try {
                if (finalized) {
                    StoredObject deleted = store.delete(key, stored.modRevision());
                    ObjectNode view = view(s, new StoredObject(key, deleted.value(), deleted.createRevision(), deleted.modRevision()));
                    listeners.forEach(l -> l.written(s.kind(), view, true));
                    return new WriteResult(200, next, warnings);
                }
                next.put("apiVersion", s.kind().apiVersion(s.kind().storageVersion().name()));
                metadata(next).remove("resourceVersion");
                StoredObject written = store.update(key, Json.bytes(next), stored.modRevision());
                ObjectNode view = view(s, written);
                listeners.forEach(l -> l.written(s.kind(), view, false));
                return new WriteResult(200, view, warnings);
            } catch (RevisionConflictException e) {
                if (precondition != null && !precondition.isEmpty()) {
                    throw ApiError.conflict(s.kind().plural(), s.kind().group(), name,
                            "the object has been modified; please apply your changes to the latest version and try again");
                }
            } catch (KeyNotFoundException e) {
                throw ApiError.notFound(s.kind().plural(), s.kind().group(), name);
            }
        }
        throw ApiError.conflict(s.kind().plural(), s.kind().group(), name,
                "it kept changing during " + UPDATE_RETRIES + " attempts; retry the request");
    }

    /** The object to store: system metadata from {@code current}, the rest from {@code desired}. */
    private static ObjectNode merged(Served s, ObjectNode current, ObjectNode desired, boolean statusOnly) {
        ObjectNode next;
        if (statusOnly) {
            next = current.deepCopy();
            if (desired.has("status")) {
                next.set("status", desired.get("status"));
            } else {
                next.remove("status");
            }
        } else {
            next = desired.deepCopy();
            if (s.version().statusSubresource()) {
                if (current.has("status")) {
                    next.set("status", current.get("status"));
                } else {
                    next.remove("status");
                }
            }
        }
        next.put("kind", s.kind().kind());
        next.put("apiVersion", s.kind().apiVersion(s.version().name()));
        ObjectNode cm = metadata(current);
        ObjectNode nm = metadata(next);
        for (String field : List.of("uid", "creationTimestamp", "namespace", "name", "deletionTimestamp", "deletionGracePeriodSeconds", "generation")) {
            if (cm.has(field)) {
                nm.set(field, cm.get(field));
            } else {
                nm.remove(field);
            }
        }
        nm.put("resourceVersion", cm.path("resourceVersion").asText());
        nm.remove("managedFields");
        return next;
    }

    public WriteResult delete(Served s, String namespace, String name, JsonNode deleteOptions, RequestOptions options) {
        String key = s.kind().key(namespace, name);
        for (int attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
            StoredObject stored = store.get(key).orElseThrow(() -> ApiError.notFound(s.kind().plural(), s.kind().group(), name));
            ObjectNode current = view(s, stored);
            JsonNode pre = deleteOptions == null ? null : deleteOptions.get("preconditions");
            if (pre != null) {
                if (pre.hasNonNull("uid") && !pre.get("uid").asText().equals(metadata(current).path("uid").asText())) {
                    throw ApiError.conflict(s.kind().plural(), s.kind().group(), name, "Precondition failed: UID in precondition: "
                            + pre.get("uid").asText() + ", UID in object meta: " + metadata(current).path("uid").asText());
                }
                if (pre.hasNonNull("resourceVersion") && !pre.get("resourceVersion").asText().equals(Long.toString(stored.modRevision()))) {
                    throw ApiError.conflict(s.kind().plural(), s.kind().group(), name, "Precondition failed: ResourceVersion in precondition: "
                            + pre.get("resourceVersion").asText() + ", ResourceVersion in object meta: " + stored.modRevision());
                }
            }
            if (options.dryRun()) {
                return new WriteResult(200, current, List.of());
            }
            try {
                if (!metadata(current).path("finalizers").isEmpty()) {
                    if (metadata(current).hasNonNull("deletionTimestamp")) {
                        return new WriteResult(202, current, List.of());
                    }
                    ObjectNode next = current.deepCopy();
                    metadata(next).put("deletionTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
                    metadata(next).put("deletionGracePeriodSeconds", 0);
                    metadata(next).remove("resourceVersion");
                    next.put("apiVersion", s.kind().apiVersion(s.kind().storageVersion().name()));
                    StoredObject written = store.update(key, Json.bytes(next), stored.modRevision());
                    return new WriteResult(202, view(s, written), List.of());
                }
                StoredObject deleted = store.delete(key, stored.modRevision());
                ObjectNode view = view(s, deleted);
                listeners.forEach(l -> l.written(s.kind(), view, true));
                return new WriteResult(200, view, List.of());
            } catch (RevisionConflictException e) {
                // changed between read and delete: read again
            } catch (KeyNotFoundException e) {
                throw ApiError.notFound(s.kind().plural(), s.kind().group(), name);
            }
        }
        throw ApiError.conflict(s.kind().plural(), s.kind().group(), name(s, namespace, name), "it kept changing; retry the delete");
    }
}
