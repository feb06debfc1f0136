package io.meshlane.control.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/** A failed request, rendered to the client as a Kubernetes {@code kind: Status} object. */
public final class ApiError extends RuntimeException {

    /** One entry of {@code details.causes}: reason (FieldValueRequired, ...), message, field. */
    public record Cause(String reason, String message, String field) {
    }

    private final int code;
    private final String reason;
    private final ObjectNode details;
    private String listContinue;

    public ApiError(int code, String reason, String message, ObjectNode details) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    public int code() {
        return code;
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, "BadRequest", message, null);
    }

    public static ApiError notFound(String resource, String group, String name) {
        return new ApiError(404, "NotFound", qualified(resource, group) + " \"" + name + "\" not found",
                details(name, group, resource));
    }

    public static ApiError notFoundPath(String path) {
        return new ApiError(404, "NotFound", "the server could not find the requested resource (" + path
                + "); run `kubectl api-resources` to see what is served", null);
    }

    public static ApiError alreadyExists(String resource, String group, String name) {
        return new ApiError(409, "AlreadyExists", qualified(resource, group) + " \"" + name + "\" already exists",
                details(name, group, resource));
    }

    public static ApiError conflict(String resource, String group, String name, String why) {
        return new ApiError(409, "Conflict", "Operation cannot be fulfilled on " + qualified(resource, group)
                + " \"" + name + "\": " + why, details(name, group, resource));
    }

    public static ApiError gone(String message) {
        return new ApiError(410, "Expired", message, null);
    }

    /**
     * A continue token whose snapshot was compacted away, answered as the apiserver does: 410, and
     * in the Status a token that continues the list from the same key at the current revision.
     */
    public static ApiError continueExpired(String inconsistentToken) {
        ApiError e = gone("The provided continue parameter is too old to display a consistent list result. You can start a new"
                + " list without the continue parameter, or use the continue token in this response to retrieve the remainder"
                + " of the results. Continuing with the provided token results in an inconsistent list - objects that were"
                + " created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
        e.listContinue = inconsistentToken;
        return e;
    }

    /** At most this many causes are reported; Kubernetes' clients show them all, so an attack's million errors must not be sent back. */
    static final int MAX_CAUSES = 100;

    public static ApiError invalid(String kind, String group, String name, List<Cause> all) {
        List<Cause> causes = all.size() <= MAX_CAUSES ? all : new java.util.ArrayList<>(all.subList(0, MAX_CAUSES));
        if (all.size() > MAX_CAUSES) {
            causes.add(new Cause("FieldValueInvalid", "and " + (all.size() - MAX_CAUSES) + " more errors not shown", ""));
        }
        ObjectNode details = details(name, group, null);
        details.remove("kind");
        details.put("kind", kind);
        ArrayNode list = details.putArray("causes");
        for (Cause c : causes) {
            list.addObject().put("reason", c.reason()).put("message", c.message()).put("field", c.field());
        }
        List<String> texts = causes.stream().map(c -> (c.field() == null || c.field().isEmpty() ? "" : c.field() + ": ") + c.message()).toList();
        String joined = texts.size() == 1 ? texts.getFirst() : "[" + String.join(", ", texts) + "]";
        String subject = group.isEmpty() ? kind : kind + "." + group;
        return new ApiError(422, "Invalid", subject + " \"" + name + "\" is invalid: " + joined, details);
    }

    public static ApiError unauthorized() {
        return new ApiError(401, "Unauthorized", "Unauthorized: send the bearer token from the control plane's data"
                + " directory (the kubeconfig written there carries it)", null);
    }

    public static ApiError forbidden(String user, String verb, String resource, String group, String namespace, String name) {
        String subject = name == null ? qualified(resource, group) : qualified(resource, group) + " \"" + name + "\"";
        return new ApiError(403, "Forbidden", subject + " is forbidden: User \"" + user + "\" cannot " + verb + " resource \""
                + resource + "\" in API group \"" + group + "\"" + (namespace == null ? " at the cluster scope" : " in the namespace \"" + namespace + "\"")
                + "; ask an administrator for a write rule in the control plane's access.yaml",
                name == null ? null : details(name, group, resource));
    }

    /** A write to a kind only the agents' endpoint writes: refused whoever asks. */
    public static ApiError agentsOnly(String user, String verb, String resource, String group, String name) {
        String subject = name == null ? qualified(resource, group) : qualified(resource, group) + " \"" + name + "\"";
        return new ApiError(403, "Forbidden", subject + " is forbidden: User \"" + user + "\" cannot " + verb + " resource \""
                + resource + "\" in API group \"" + group + "\": these objects are written only by node agents through"
                + " mesh-control's agents' endpoint (each for its own node); read them with kubectl get " + resource,
                name == null ? null : details(name, group, resource));
    }

    /** A write to a kind only the replicas' leader election writes: refused whoever asks. */
    public static ApiError electionOnly(String user, String verb, String resource, String group, String name) {
        String subject = name == null ? qualified(resource, group) : qualified(resource, group) + " \"" + name + "\"";
        return new ApiError(403, "Forbidden", subject + " is forbidden: User \"" + user + "\" cannot " + verb + " resource \""
                + resource + "\" in API group \"" + group + "\": leases are written only by the control-plane replicas' leader"
                + " election; read them with kubectl get leases -n meshlane-system", name == null ? null : details(name, group, resource));
    }

    /** A read of member-cluster credentials: only the autoscaling engine reads them, from the store. */
    public static ApiError engineOnly(String user, String verb, String resource, String group, String name) {
        String subject = name == null ? qualified(resource, group) : qualified(resource, group) + " \"" + name + "\"";
        return new ApiError(403, "Forbidden", subject + " is forbidden: User \"" + user + "\" cannot " + verb + " resource \""
                + resource + "\" in API group \"" + group + "\": member-cluster credentials are readable by the autoscaling"
                + " engine only; replace one with kubectl replace -f, or delete it", name == null ? null : details(name, group, resource));
    }

    public static ApiError methodNotAllowed(String what) {
        return new ApiError(405, "MethodNotAllowed", what + " is not supported on this resource", null);
    }

    public static ApiError tooLarge(long size, long limit) {
        return new ApiError(413, "RequestEntityTooLarge", "Request entity too large: the body has " + size
                + " bytes, the limit is " + limit + "; split the object or move large data out of it", null);
    }

    /** 429 as Kubernetes' API Priority and Fairness answers it; client-go waits {@code Retry-After} and retries. */
    public static ApiError tooManyRequests(String user, long retryAfterSeconds) {
        ObjectNode details = Json.object().put("retryAfterSeconds", retryAfterSeconds);
        return new ApiError(429, "TooManyRequests", "Too many requests from \"" + user + "\", please try again later"
                + " (its limit is set under limits in the control plane's access.yaml)", details);
    }

    /** The answer sent for this error: its Status, and Retry-After whenever the Status says when to retry (429, 504). */
    public ApiResponse response() {
        Map<String, String> headers = details != null && details.has("retryAfterSeconds")
                ? Map.of("Retry-After", details.path("retryAfterSeconds").asText()) : Map.of();
        return new ApiResponse(code, Json.bytes(status()), null, List.of(), ApiResponse.JSON, headers);
    }

    /** A body refused by the HTTP server before the API saw it (its length past the server's limit). */
    public static ApiError tooLarge(String serverMessage) {
        return new ApiError(413, "RequestEntityTooLarge", "Request entity too large: " + serverMessage
                + " (the limit of the server); split the object or move large data out of it", null);
    }

    public static ApiError resourceVersionTooLarge(long wanted, long current) {
        ObjectNode details = Json.object().put("retryAfterSeconds", 1);
        details.putArray("causes").addObject().put("reason", "ResourceVersionTooLarge").put("message", "Too large resource version");
        return new ApiError(504, "Timeout", "Timeout: Too large resource version: " + wanted + ", current: " + current, details);
    }

    public static ApiError unsupportedMediaType(String message) {
        return new ApiError(415, "UnsupportedMediaType", message, null);
    }

    private static String qualified(String resource, String group) {
        return group.isEmpty() ? resource : resource + "." + group;
    }

    private static ObjectNode details(String name, String group, String resource) {
        ObjectNode d = Json.object();
        d.put("name", name);
        if (!group.isEmpty()) {
            d.put("group", group);
        }
        if (resource != null) {
            d.put("kind", resource);
        }
        return d;
    }

    /** The Status object sent to the client. */
    public ObjectNode status() {
        ObjectNode s = Json.object();
        s.put("kind", "Status").put("apiVersion", "v1");
        ObjectNode meta = s.putObject("metadata");
        if (listContinue != null) {
            meta.put("continue", listContinue);
        }
        s.put("status", "Failure").put("message", getMessage()).put("reason", reason);
        if (details != null) {
            s.set("details", details);
        }
        s.put("code", code);
        return s;
    }
}
