package io.meshlane.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.audit.AuditEvent;
import io.meshlane.control.audit.AuditLog;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.crd.KindRegistry.Served;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.mesh.MeshKinds;
import io.meshlane.control.http.ApiRequest;
import io.meshlane.control.http.ApiResponse;
import io.meshlane.control.http.Json;
import io.meshlane.control.http.MountedRoutes;
import io.meshlane.control.fairness.RequestLimiter;
import io.meshlane.control.security.AccessPolicy;
import io.meshlane.control.security.Identity;
import io.meshlane.control.store.CompactedException;
import io.meshlane.control.crd.BuiltinKinds;
import io.meshlane.control.store.StoreException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/** Turns Kubernetes API requests into discovery, OpenAPI, CRUD, patch and watch calls. */
public final class ApiRouter {

    public static final long MAX_BODY_BYTES = 3 * 1024 * 1024;
    private static final long FUTURE_REVISION_WAIT_NANOS = 3_000_000_000L;

    private static final Identity ANONYMOUS = new Identity("system:anonymous", List.of("system:unauthenticated"));

    private final AccessPolicy access;
    private final RequestLimiter limiter;
    private final AuditLog audit;
    private final KindRegistry registry;
    private final ResourceService resources;
    private final ResourceLister lister;
    private final Discovery discovery;
    private final OpenApiDocs openApi;
    private final WatchEncoder encoder = new WatchEncoder();
    private final ScheduledExecutorService timer;
    private final long bookmarkMillis;
    private volatile String serverAddress = "127.0.0.1:6443";
    private final java.util.Map<String, MountedRoutes> mounts = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile SelfAuthenticatingRoutes dashboard;
    private volatile io.meshlane.control.externalmetrics.ExternalMetricsApi externalMetrics;

    public ApiRouter(AccessPolicy access, RequestLimiter limiter, AuditLog audit, KindRegistry registry, ResourceService resources,
                     ScheduledExecutorService timer, long bookmarkMillis) {
        this.access = access;
        this.limiter = limiter;
        this.audit = audit;
        this.registry = registry;
        this.resources = resources;
        this.lister = new ResourceLister(resources.store());
        this.discovery = new Discovery(registry);
        this.openApi = new OpenApiDocs(registry);
        this.timer = timer;
        this.bookmarkMillis = bookmarkMillis;
    }

    /** Serves every path whose first segment is {@code segment} (after authentication) with {@code routes}. */
    public void mount(String segment, MountedRoutes routes) {
        mounts.put(segment, routes);
    }

    /** Serves the dashboard's pages (which authenticate by cookie or sign-in link themselves) with {@code pages}. */
    public void dashboard(SelfAuthenticatingRoutes pages) {
        this.dashboard = pages;
    }

    /** Serves {@code external.metrics.k8s.io} from {@code api} (listed in {@code /apis} too). */
    public void externalMetrics(io.meshlane.control.externalmetrics.ExternalMetricsApi api) {
        this.externalMetrics = api;
    }

    public void serverAddress(String address) {
        this.serverAddress = address;
    }

    public ApiResponse handle(ApiRequest request) {
        try {
            return route(request);
        } catch (ApiError e) {
            return e.response();
        } catch (StoreException e) {
            return new ApiError(503, "ServiceUnavailable", "the store failed: " + e.getMessage(), null).response();
        }
    }

    private ApiResponse route(ApiRequest r) {
        if (dashboard != null && dashboard.serves(r.path())) {
            return dashboard.handle(r);
        }
        String path = r.path().length() > 1 && r.path().endsWith("/") ? r.path().substring(0, r.path().length() - 1) : r.path();
        if (path.equals("/healthz") || path.equals("/livez") || path.equals("/readyz")) {
            return new ApiResponse(200, "ok".getBytes(), null, List.of());
        }
        Identity who = access.authenticate(r.authorization(), r.clientCertificate(), r.remoteUser(), r.remoteGroups()).orElse(null);
        if (who == null) {
            return audited(ANONYMOUS, verb(r, null), r, null, () -> {
                throw ApiError.unauthorized();
            });
        }
        RequestLimiter.Admission admission = limiter.admit(who);
        if (admission.refused()) {
            return audited(who, verb(r, null), r, null, () -> {
                throw ApiError.tooManyRequests(who.user(), admission.retryAfterSeconds());
            });
        }
        waitTurn(admission.waitNanos());
        if (r.body() != null && r.body().length > MAX_BODY_BYTES) {
            throw ApiError.tooLarge(r.body().length, MAX_BODY_BYTES);
        }
        String[] s = path.substring(1).split("/");
        MountedRoutes mounted = mounts.get(s[0]);
        if (mounted != null) {
            return audited(who, verb(r, null), r, null, () -> mounted.handle(r, who, path));
        }
        if (path.equals("/version")) {
            return ApiResponse.json(200, Json.object().put("major", "1").put("minor", "32").put("gitVersion", "v1.32.0-meshlane")
                    .put("platform", "linux/amd64"));
        }
        if (path.equals("/openapi/v2")) {
            return OpenApiV2.document();
        }
        if (s[0].equals("openapi") && s.length >= 2 && s[1].equals("v3")) {
            if (s.length == 2) {
                return ApiResponse.json(200, openApi.index());
            }
            return s[2].equals("api") && s.length == 4 ? ApiResponse.json(200, openApi.document("", s[3]))
                    : s.length == 5 ? ApiResponse.json(200, openApi.document(s[3], s[4])) : notFound(path);
        }
        if (s[0].equals("api")) {
            if (s.length == 1) {
                return get(r, () -> discovery.coreVersions(serverAddress));
            }
            if (s.length == 2) {
                return get(r, () -> discovery.resources("", s[1]));
            }
            ResourcePath p = ResourcePath.parse("", s[1], java.util.Arrays.copyOfRange(s, 2, s.length));
            return audited(who, verb(r, p), r, p, () -> resource(r, who, p, path));
        }
        io.meshlane.control.externalmetrics.ExternalMetricsApi metrics = externalMetrics;
        if (metrics != null && metrics.serves(path)) {
            return audited(who, "get", r, null, () -> metrics.handle(r, path));
        }
        if (s[0].equals("apis")) {
            if (s.length == 1) {
                return get(r, () -> {
                    ObjectNode groups = discovery.groupList();
                    if (metrics != null) {
                        ((com.fasterxml.jackson.databind.node.ArrayNode) groups.path("groups")).add(
                                io.meshlane.control.externalmetrics.ExternalMetricsApi.group());
                    }
                    return groups;
                });
            }
            if (s.length == 2) {
                return get(r, () -> discovery.group(s[1]));
            }
            if (s.length == 3) {
                return get(r, () -> discovery.resources(s[1], s[2]));
            }
            ResourcePath p = ResourcePath.parse(s[1], s[2], java.util.Arrays.copyOfRange(s, 3, s.length));
            return audited(who, verb(r, p), r, p, () -> resource(r, who, p, path));
        }
        return notFound(path);
    }

    /** A request over its user's rate waits in its queue (on its own virtual thread) rather than being refused. */
    private static void waitTurn(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(java.time.Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "ServiceUnavailable", "the server is shutting down", null);
        }
    }

    private static ApiResponse notFound(String path) {
        throw ApiError.notFoundPath(path);
    }

    private static ApiResponse get(ApiRequest r, java.util.function.Supplier<ObjectNode> document) {
        if (!r.method().equals("GET")) {
            throw ApiError.methodNotAllowed(r.method() + " " + r.path());
        }
        return ApiResponse.json(200, document.get());
    }

    private ApiResponse resource(ApiRequest r, Identity who, ResourcePath p, String path) {
        if (p == null) {
            return notFound(path);
        }
        Served s = registry.resolve(p.group(), p.version(), p.resource()).orElseThrow(() -> new ApiError(404, "NotFound",
                "the server could not find the requested resource: " + p.resource() + " in " + p.groupVersion()
                        + " is not served (apply its CustomResourceDefinition first, or check `kubectl api-resources`)", null));
        if (p.namespace() != null && !s.kind().namespaced()) {
            return notFound(path);
        }
        String namespace = s.kind().namespaced() ? p.namespace() : null;
        if (s.kind().namespaced() && namespace == null && p.name() != null) {
            return notFound(path);
        }
        if (p.subresource() != null && !(p.subresource().equals("status") && s.version().statusSubresource())) {
            return notFound(path);
        }
        boolean secret = MeshKinds.readByEngineOnly(s.kind().group(), s.kind().plural());
        if (secret && r.method().equals("GET")) {
            throw ApiError.engineOnly(who.user(), verb(r, p), s.kind().plural(), s.kind().group(), p.name());
        }
        if (secret && r.method().equals("PATCH")) {
            // a patch answers with the merged object, and patching a kubeconfig in pieces makes no sense
            throw ApiError.methodNotAllowed("PATCH on " + s.kind().qualifiedResource() + " (replace the whole object with kubectl replace -f)");
        }
        if (!r.method().equals("GET") && MeshKinds.writtenByAgentsOnly(s.kind().group(), s.kind().plural())) {
            throw ApiError.agentsOnly(who.user(), verb(r, p), s.kind().plural(), s.kind().group(), p.name());
        }
        if (!r.method().equals("GET") && BuiltinKinds.writtenByElectionOnly(s.kind().group(), s.kind().plural())) {
            throw ApiError.electionOnly(who.user(), verb(r, p), s.kind().plural(), s.kind().group(), p.name());
        }
        if (!r.method().equals("GET") && !access.mayWrite(who, namespace)) {
            throw ApiError.forbidden(who.user(), verb(r, p), s.kind().plural(), s.kind().group(), namespace, p.name());
        }
        boolean status = p.subresource() != null;
        RequestOptions options = RequestOptions.from(r.query());
        if (secret) {
            return withoutSecrets(writeResource(r, s, namespace, p, options, status));
        }
        return writeResource(r, s, namespace, p, options, status);
    }

    /** A write's answer with every kubeconfig blanked: what was written is never read back through the API. */
    private static ApiResponse withoutSecrets(ApiResponse response) {
        if (response.body() == null || response.body().length == 0) {
            return response;
        }
        ObjectNode body = Json.stored(response.body());
        Iterable<JsonNode> objects = body.has("items") ? body.path("items") : List.<JsonNode>of(body);
        for (JsonNode o : objects) {
            if (o.path("spec") instanceof ObjectNode spec && spec.has("kubeconfig")) {
                spec.put("kubeconfig", "(held by the control plane; not readable through the API)");
            }
        }
        return ApiResponse.json(response.code(), body, response.warnings());
    }

    private ApiResponse writeResource(ApiRequest r, Served s, String namespace, ResourcePath p, RequestOptions options, boolean status) {
        if (p.name() == null) {
            return switch (r.method()) {
                case "GET" -> collection(r, s, namespace);
                case "POST" -> {
                    if (s.kind().namespaced() && namespace == null) {
                        throw ApiError.badRequest("create " + s.kind().plural() + " in a namespace: POST to .../namespaces/<ns>/" + s.kind().plural());
                    }
                    yield written(resources.create(s, namespace, body(r, s), options));
                }
                case "DELETE" -> deleteCollection(r, s, namespace, options);
                default -> throw ApiError.methodNotAllowed(r.method() + " on the collection " + s.kind().qualifiedResource());
            };
        }
        return switch (r.method()) {
            case "GET" -> {
                if (!TableView.wanted(r.accept())) {
                    yield new ApiResponse(200, resources.getBytes(s, namespace, p.name()), null, List.of());
                }
                ObjectNode o = resources.get(s, namespace, p.name());
                yield ApiResponse.json(200, TableView.table(s, List.of(o), o.path("metadata").path("resourceVersion").asText(), null, true));
            }
            case "PUT" -> written(resources.update(s, namespace, p.name(), body(r, s), options, status));
            case "PATCH" -> written(patch(r, s, namespace, p.name(), options, status));
            case "DELETE" -> {
                JsonNode body = r.body() == null || r.body().length == 0 || (r.contentType() != null && r.contentType().contains("protobuf"))
                        ? null : Json.request(r.body(), r.contentType());
                yield written(resources.delete(s, namespace, p.name(), body, options));
            }
            default -> throw ApiError.methodNotAllowed(r.method() + " on " + s.kind().qualifiedResource());
        };
    }

    /** The request body as JSON; protobuf is understood for Namespace only (kubectl sends built-in kinds that way). */
    private static JsonNode body(ApiRequest r, Served s) {
        if (r.contentType() != null && r.contentType().contains("protobuf")) {
            if (!s.kind().group().isEmpty() || !s.kind().plural().equals("namespaces")) {
                throw ApiError.unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: "
                        + "application/json, application/yaml, " + Patches.MERGE + ", " + Patches.JSON + ", " + Patches.APPLY);
            }
            return ProtobufBodies.namespace(r.body());
        }
        return Json.request(r.body(), r.contentType());
    }

    /** The request's Kubernetes verb: get, list, watch, create, update, patch, delete or deletecollection. */
    private static String verb(ApiRequest r, ResourcePath p) {
        boolean named = p != null && p.name() != null;
        String watch = r.query().get("watch");
        return switch (r.method()) {
            case "GET" -> named ? "get" : "true".equals(watch) || "1".equals(watch) ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            default -> named ? "delete" : "deletecollection";
        };
    }

    /** Serves the request and records it in the audit log with the code it got, errors included. */
    private ApiResponse audited(Identity who, String verb, ApiRequest r, ResourcePath p, Supplier<ApiResponse> serve) {
        // a watch is recorded when it is answered, not when it ends: its stream outlives this call
        Instant received = Instant.now();
        int code = 500;
        String name = p == null ? null : p.name();
        try {
            ApiResponse response = serve.get();
            code = response.code();
            if (name == null && p != null && verb.equals("create") && response.body() != null && code < 300) {
                name = createdName(response.body());
            }
            return response;
        } catch (ApiError e) {
            code = e.code();
            throw e;
        } catch (StoreException e) {
            code = 503;
            throw e;
        } finally {
            audit.record(new AuditEvent(received, who.user(), who.groups(), verb, r.path(),
                    p == null ? null : p.group(), p == null ? null : p.version(), p == null ? null : p.resource(),
                    p == null ? null : p.subresource(), p == null ? null : p.namespace(), name, code));
        }
    }

    /** metadata.name of a created object's answer, read by streaming its tokens rather than building the tree again. */
    private static String createdName(byte[] body) {
        try (com.fasterxml.jackson.core.JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                boolean metadata = p.currentName().equals("metadata");
                if (p.nextToken() == com.fasterxml.jackson.core.JsonToken.START_OBJECT && metadata) {
                    while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                        boolean name = p.currentName().equals("name");
                        p.nextToken();
                        if (name) {
                            return p.getValueAsString();
                        }
                        p.skipChildren();
                    }
                    return null;
                }
                p.skipChildren();
            }
            return null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static ApiResponse written(WriteResult w) {
        return ApiResponse.json(w.code(), w.object(), w.warnings());
    }

    private WriteResult patch(ApiRequest r, Served s, String namespace, String name, RequestOptions options, boolean status) {
        String type = r.contentType() == null ? "" : r.contentType().split(";")[0].trim();
        JsonNode patch = switch (type) {
            case Patches.MERGE, Patches.JSON -> Json.request(r.body(), "json");
            case Patches.APPLY -> Json.request(r.body(), "yaml");
            case Patches.STRATEGIC -> {
                if (!s.kind().group().isEmpty()) {
                    throw ApiError.unsupportedMediaType("strategic merge patch is not supported for "
                            + s.kind().qualifiedResource() + " (it is not a built-in Kubernetes type): use `kubectl patch --type=merge`"
                            + " (application/merge-patch+json) or `--type=json` (application/json-patch+json)");
                }
                yield withoutDirectives(Json.request(r.body(), "json"));
            }
            default -> throw ApiError.unsupportedMediaType("the patch content type \"" + type + "\" is not supported: use "
                    + Patches.MERGE + " (`kubectl patch --type=merge`), " + Patches.JSON + " (`--type=json`) or " + Patches.APPLY);
        };
        if (type.equals(Patches.JSON)) {
            return resources.modify(s, namespace, name, current -> asObject(Patches.jsonPatch(withoutVersion(current), patch)), options, status, false);
        }
        return resources.modify(s, namespace, name, current -> (ObjectNode) Patches.merge(withoutVersion(current), patch), options, status,
                type.equals(Patches.APPLY));
    }

    /**
     * Strategic merge patch of core Namespaces (kubectl's default for built-in kinds): their maps
     * merge as in a JSON merge patch and their lists are replaced, so only the $-directives are dropped.
     */
    private static JsonNode withoutDirectives(JsonNode patch) {
        if (patch instanceof ObjectNode o) {
            ObjectNode copy = Json.object();
            o.properties().forEach(e -> {
                if (!e.getKey().startsWith("$")) {
                    copy.set(e.getKey(), withoutDirectives(e.getValue()));
                }
            });
            return copy;
        }
        return patch;
    }

    private static ObjectNode withoutVersion(ObjectNode current) {
        ResourceService.metadata(current).remove("resourceVersion");
        return current;
    }

    private static ObjectNode asObject(JsonNode node) {
        if (!(node instanceof ObjectNode o)) {
            throw new ApiError(422, "Invalid", "the JSON patch turned the object into " + node.getNodeType() + "; it must stay an object", null);
        }
        return o;
    }

    private ApiResponse collection(ApiRequest r, Served s, String namespace) {
        ListQuery query = ListQuery.from(r.query());
        boolean table = TableView.wanted(r.accept());
        String watch = r.query().get("watch");
        if ("true".equals(watch) || "1".equals(watch)) {
            return watch(s, namespace, query, table);
        }
        ResourceLister.Listing listing = lister.list(s, namespace, query);
        if (table) {
            return ApiResponse.json(200, TableView.table(s, listing.items(), Long.toString(listing.revision()), listing.continueToken(), true));
        }
        return ApiResponse.json(200, ResourceLister.render(s, listing));
    }

    private ApiResponse watch(Served s, String namespace, ListQuery query, boolean table) {
        WatchStream stream = new WatchStream(s, query, table, encoder);
        long from;
        String rv = query.resourceVersion();
        if (rv == null || rv.isEmpty() || rv.equals("0")) {
            ResourceLister.Listing listing = lister.list(s, namespace,
                    new ListQuery(query.labels(), query.fields(), 0, null, 0, null, false, 0));
            stream.initial(listing.items(), listing.revision());
            from = listing.revision();
        } else {
            try {
                from = Long.parseLong(rv);
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("resourceVersion \"" + rv + "\" is not valid: use a resourceVersion from a list or object");
            }
            awaitRevision(from);
            stream.startFrom(from);
        }
        reactor.core.publisher.Flux<byte[]> flux = stream.flux();
        try {
            stream.start(resources.store().watch(s.kind().keyPrefix(namespace), from, stream), timer, bookmarkMillis);
        } catch (CompactedException e) {
            stream.end(e);
        }
        return ApiResponse.stream(flux);
    }

    /**
     * A watch from a resourceVersion the store has not reached: wait a little for it (another
     * replica may be ahead of this one), then answer as kube-apiserver does, 504 "Too large
     * resource version", instead of holding the stream open for a revision that may never come.
     */
    private void awaitRevision(long wanted) {
        long deadline = System.nanoTime() + FUTURE_REVISION_WAIT_NANOS;
        long current = resources.store().revision();
        while (current < wanted && System.nanoTime() < deadline) {
            waitTurn(50_000_000L);
            current = resources.store().revision();
        }
        if (current < wanted) {
            throw ApiError.resourceVersionTooLarge(wanted, current);
        }
    }

    private ApiResponse deleteCollection(ApiRequest r, Served s, String namespace, RequestOptions options) {
        ListQuery query = ListQuery.from(r.query());
        ResourceLister.Listing listing = lister.list(s, namespace, query);
        for (ObjectNode o : listing.items()) {
            try {
                resources.delete(s, o.path("metadata").path("namespace").asText(null), o.path("metadata").path("name").asText(), null, options);
            } catch (ApiError e) {
                if (e.code() != 404) {
                    throw e;
                }
            }
        }
        return ApiResponse.json(200, ResourceLister.render(s, listing));
    }
}
