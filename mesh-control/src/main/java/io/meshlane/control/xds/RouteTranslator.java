package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshlane.control.mesh.DestinationWeights;
import io.meshlane.control.registry.Hosts;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * VirtualService {@code http} routes → Envoy routes with Istio's semantics: routes are tried in order,
 * the first whose match applies wins; each {@code match} entry becomes one Envoy route with the same
 * action. Supports uri exact/prefix/regex, headers exact/prefix/regex/present (and withoutHeaders), queryParams,
 * weighted destinations, timeout, retries, fault delay/abort, mirror, header add/set/remove, rewrite,
 * redirect, direct responses and delegation to another VirtualService. Short destination hosts resolve in the
 * namespace of the VirtualService that names them.
 */
final class RouteTranslator {
    static final String FAULT_FILTER = "envoy.filters.http.fault";

    private final Function<String, Optional<MeshService>> services;
    private final Function<String, JsonNode> clusterPolicies;
    private final Function<String, MeshObject> delegates;
    private final AtomicLong translations = new AtomicLong();

    /**
     * @param services        the registry's services by host name
     * @param clusterPolicies the DestinationRule traffic policy in force for a cluster name (empty object if none)
     * @param delegates       VirtualServices by namespace/name, for routes that delegate (null if absent)
     */
    RouteTranslator(Function<String, Optional<MeshService>> services, Function<String, JsonNode> clusterPolicies,
                    Function<String, MeshObject> delegates) {
        this.services = services;
        this.clusterPolicies = clusterPolicies;
        this.delegates = delegates;
    }

    /** The routes of one service port: the VirtualServices' routes in order, then the default route unless one catches all. */
    List<Route> routes(MeshService service, ServicePort port, List<MeshObject> virtualServices) {
        List<Route> out = new ArrayList<>();
        for (MeshObject vs : virtualServices) {
            out.addAll(translate(vs, service.hostname(), port.number()));
        }
        boolean catchAll = !out.isEmpty() && isCatchAll(out.getLast());
        if (!catchAll) {
            String cluster = ClusterNames.outbound(port.number(), "", service.hostname());
            out.add(Route.newBuilder().setName("default")
                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                    .setRoute(RouteAction.newBuilder().setCluster(cluster).addAllHashPolicy(hashPolicies(List.of(cluster))))
                    .build());
        }
        return out;
    }

    /** How many times {@link #translate} ran: a change should cost one per host port, not more. */
    long translations() {
        return translations.get();
    }

    private static boolean isCatchAll(Route r) {
        RouteMatch m = r.getMatch();
        return m.hasPrefix() && m.getPrefix().equals("/") && m.getHeadersCount() == 0 && m.getQueryParametersCount() == 0
                && !m.hasRuntimeFraction();
    }

    /** Translates (and so validates) one VirtualService for a listener on {@code port} of {@code host}. */
    List<Route> translate(MeshObject vs, String host, int port) {
        translations.incrementAndGet();
        List<Route> out = new ArrayList<>();
        String where = "VirtualService " + vs.namespace() + "/" + vs.name();
        int index = 0;
        for (JsonNode http : vs.spec().path("http")) {
            String field = where + " spec.http[" + index + "]";
            String defaultName = vs.namespace() + "." + vs.name() + "." + index;
            if (http.has("delegate")) {
                delegated(http, vs.namespace(), host, port, field, defaultName, out);
            } else {
                routes(http, http.path("match"), vs.namespace(), host, port, field, defaultName, out);
            }
            index++;
        }
        return out;
    }

    /** One http route's Envoy routes: its action under each of {@code matchList}'s matches that apply to {@code port}. */
    private void routes(JsonNode http, JsonNode matchList, String ns, String host, int port, String field, String defaultName,
                        List<Route> out) {
        Route.Builder template = Route.newBuilder();
        action(http, ns, host, port, field, template);
        String name = http.path("name").asText("");
        List<RouteMatch> matches = new ArrayList<>();
        if (!matchList.isArray() || matchList.isEmpty()) {
            matches.add(RouteMatch.newBuilder().setPrefix("/").build());
        } else {
            int m = 0;
            for (JsonNode match : matchList) {
                String mf = field + ".match[" + m++ + "]";
                if (match.has("port") && match.path("port").asInt() != port) {
                    continue;
                }
                matches.add(match(match, mf));
            }
        }
        for (RouteMatch match : matches) {
            out.add(template.clone().setName(name.isEmpty() ? defaultName : name).setMatch(match).build());
        }
    }

    /**
     * A root route handing its traffic to a delegate VirtualService: the delegate's routes in its own order,
     * each under the root's matches merged with its own. A delegate not stored yet contributes no route.
     */
    private void delegated(JsonNode http, String ns, String host, int port, String field, String defaultName, List<Route> out) {
        if (http.has("route") || http.has("redirect") || http.has("directResponse")) {
            throw new TranslationException(field + ": delegate cannot be used together with route, redirect or directResponse");
        }
        JsonNode ref = http.path("delegate");
        String key = ref.path("namespace").asText(ns) + "/" + ref.path("name").asText("");
        MeshObject delegate = delegates.apply(key);
        if (delegate == null) {
            return;
        }
        String where = "VirtualService " + key + " (the delegate of " + field + ")";
        if (!delegate.spec().path("hosts").isEmpty()) {
            throw new TranslationException(where + " spec.hosts: a delegate VirtualService must not set hosts");
        }
        int index = 0;
        for (JsonNode inner : delegate.spec().path("http")) {
            String innerField = where + " spec.http[" + index + "]";
            if (inner.has("delegate")) {
                throw new TranslationException(innerField + ".delegate: a delegate cannot delegate again (one level only)");
            }
            routes(inner, DelegateMatches.merge(http.path("match"), inner.path("match")), delegate.namespace(), host, port,
                    innerField, defaultName + "." + index, out);
            index++;
        }
    }

    private static RouteMatch match(JsonNode match, String field) {
        RouteMatch.Builder b = RouteMatch.newBuilder();
        JsonNode uri = match.path("uri");
        if (uri.has("exact")) {
            b.setPath(uri.path("exact").asText());
        } else if (uri.has("prefix")) {
            b.setPrefix(uri.path("prefix").asText());
        } else if (uri.has("regex")) {
            b.setSafeRegex(regex(uri.path("regex").asText(), field + ".uri.regex"));
        } else {
            b.setPrefix("/");
        }
        if (match.path("ignoreUriCase").asBoolean(false)) {
            b.setCaseSensitive(BoolValue.of(false));
        }
        headers(match.path("headers"), false, field + ".headers", b);
        headers(match.path("withoutHeaders"), true, field + ".withoutHeaders", b);
        Iterator<Map.Entry<String, JsonNode>> params = match.path("queryParams").fields();
        while (params.hasNext()) {
            var e = params.next();
            QueryParameterMatcher.Builder q = QueryParameterMatcher.newBuilder().setName(e.getKey());
            if (e.getValue().isObject() && e.getValue().isEmpty()) {
                q.setPresentMatch(true);
            } else {
                q.setStringMatch(stringMatch(e.getValue(), field + ".queryParams." + e.getKey()));
            }
            b.addQueryParameters(q);
        }
        if (match.has("method")) {
            b.addHeaders(header(":method", match.path("method"), false, field + ".method"));
        }
        if (match.has("authority")) {
            b.addHeaders(header(":authority", match.path("authority"), false, field + ".authority"));
        }
        return b.build();
    }

    private static void headers(JsonNode headers, boolean invert, String field, RouteMatch.Builder b) {
        Iterator<Map.Entry<String, JsonNode>> it = headers.fields();
        while (it.hasNext()) {
            var e = it.next();
            b.addHeaders(header(e.getKey().toLowerCase(Locale.ROOT), e.getValue(), invert, field + "." + e.getKey()));
        }
    }

    private static HeaderMatcher header(String name, JsonNode m, boolean invert, String field) {
        HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(name).setInvertMatch(invert);
        if (m.isObject() && m.isEmpty() || m.path("present").asBoolean(false)) {
            h.setPresentMatch(true);
        } else {
            h.setStringMatch(stringMatch(m, field));
        }
        return h.build();
    }

    /** Istio's StringMatch (exact, prefix or regex) as Envoy's. */
    private static StringMatcher stringMatch(JsonNode m, String field) {
        if (m.has("exact")) {
            return StringMatcher.newBuilder().setExact(m.path("exact").asText()).build();
        } else if (m.has("prefix")) {
            return StringMatcher.newBuilder().setPrefix(m.path("prefix").asText()).build();
        } else if (m.has("regex")) {
            return StringMatcher.newBuilder().setSafeRegex(regex(m.path("regex").asText(), field + ".regex")).build();
        }
        throw new TranslationException(field + ": a match needs exact, prefix or regex (or {} for presence)");
    }

    private static RegexMatcher regex(String regex, String field) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new TranslationException(field + ": '" + regex + "' is not a valid regular expression: " + e.getDescription());
        }
        if (regex.contains("(?=") || regex.contains("(?!") || regex.contains("(?<")) {
            throw new TranslationException(field + ": '" + regex + "' uses look-around, which RE2 (used by Envoy and gRPC) does not support");
        }
        return RegexMatcher.newBuilder().setRegex(regex).build();
    }

    private void action(JsonNode http, String ns, String host, int port, String field, Route.Builder route) {
        if (http.has("redirect")) {
            if (http.has("route")) {
                throw new TranslationException(field + ": route and redirect cannot be used together");
            }
            JsonNode r = http.path("redirect");
            RedirectAction.Builder rb = RedirectAction.newBuilder();
            if (r.has("uri")) {
                rb.setPathRedirect(r.path("uri").asText());
            }
            if (r.has("authority")) {
                rb.setHostRedirect(r.path("authority").asText());
            }
            int code = r.path("redirectCode").asInt(301);
            rb.setResponseCode(switch (code) {
                case 302 -> RedirectAction.RedirectResponseCode.FOUND;
                case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
                case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
                case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
                default -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
            });
            route.setRedirect(rb);
            return;
        }
        if (http.has("directResponse")) {
            JsonNode d = http.path("directResponse");
            DirectResponseAction.Builder db = DirectResponseAction.newBuilder().setStatus(d.path("status").asInt(200));
            if (d.path("body").has("string")) {
                db.setBody(DataSource.newBuilder().setInlineString(d.path("body").path("string").asText()));
            }
            route.setDirectResponse(db);
            return;
        }
        JsonNode destinations = http.path("route");
        if (!destinations.isArray() || destinations.isEmpty()) {
            throw new TranslationException(field + ".route: at least one destination is required");
        }
        RouteAction.Builder action = RouteAction.newBuilder();
        List<String> clusters = new ArrayList<>();
        if (destinations.size() == 1) {
            clusters.add(cluster(destinations.get(0).path("destination"), ns, host, port, field + ".route[0].destination"));
            action.setCluster(clusters.getFirst());
        } else {
            WeightedCluster.Builder wc = WeightedCluster.newBuilder();
            int i = 0;
            for (JsonNode d : destinations) {
                int weight = d.has("weight") ? d.path("weight").asInt() : 0;
                if (weight < 0) {
                    throw new TranslationException(field + ".route[" + i + "].weight: must not be negative, got " + weight);
                }
                String cluster = cluster(d.path("destination"), ns, host, port, field + ".route[" + i + "].destination");
                clusters.add(cluster);
                if (weight > 0) {
                    wc.addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(cluster).setWeight(UInt32Value.of(weight)));
                }
                i++;
            }
            if (DestinationWeights.routeNowhere(destinations)) {
                throw new TranslationException(field + ".route: the weights of " + destinations.size()
                        + " destinations sum to 0; " + DestinationWeights.FIX);
            }
            action.setWeightedClusters(wc);
        }
        action.addAllHashPolicy(hashPolicies(clusters));
        if (http.has("timeout")) {
            var t = Specs.duration(http.path("timeout"), field + ".timeout");
            action.setTimeout(t).setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(t));
        }
        JsonNode retries = http.path("retries");
        if (retries.isObject()) {
            int attempts = retries.path("attempts").asInt(2);
            if (attempts < 0) {
                throw new TranslationException(field + ".retries.attempts: must not be negative");
            }
            if (attempts > 0) {
                RetryPolicy.Builder rp = RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(attempts))
                        .setRetryOn(retries.path("retryOn").asText("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"));
                if (retries.has("perTryTimeout")) {
                    rp.setPerTryTimeout(Specs.duration(retries.path("perTryTimeout"), field + ".retries.perTryTimeout"));
                }
                action.setRetryPolicy(rp);
            }
        }
        List<JsonNode> mirrors = new ArrayList<>();
        if (http.has("mirror")) {
            mirrors.add(http.path("mirror"));
        }
        http.path("mirrors").forEach(m -> mirrors.add(m.path("destination")));
        for (JsonNode m : mirrors) {
            action.addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                    .setCluster(cluster(m, ns, host, port, field + ".mirror"))
                    .setRuntimeFraction(RuntimeFractionalPercent.newBuilder()
                            .setDefaultValue(Specs.percent(http.path("mirrorPercentage"), field + ".mirrorPercentage"))));
        }
        JsonNode rewrite = http.path("rewrite");
        if (rewrite.has("uri")) {
            action.setPrefixRewrite(rewrite.path("uri").asText());
        }
        if (rewrite.has("authority")) {
            action.setHostRewriteLiteral(rewrite.path("authority").asText());
        }
        route.setRoute(action);
        JsonNode fault = http.path("fault");
        if (fault.isObject()) {
            route.putTypedPerFilterConfig(FAULT_FILTER, Any.pack(fault(fault, field + ".fault")));
        }
        JsonNode headers = http.path("headers");
        addHeaders(headers.path("request").path("set"), true, route::addRequestHeadersToAdd);
        addHeaders(headers.path("request").path("add"), false, route::addRequestHeadersToAdd);
        headers.path("request").path("remove").forEach(h -> route.addRequestHeadersToRemove(h.asText()));
        addHeaders(headers.path("response").path("set"), true, route::addResponseHeadersToAdd);
        addHeaders(headers.path("response").path("add"), false, route::addResponseHeadersToAdd);
        headers.path("response").path("remove").forEach(h -> route.addResponseHeadersToRemove(h.asText()));
    }

    private static void addHeaders(JsonNode values, boolean overwrite, java.util.function.Consumer<HeaderValueOption> sink) {
        values.fields().forEachRemaining(e -> sink.accept(HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(e.getKey()).setValue(e.getValue().asText()))
                .setAppendAction(overwrite ? HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
                        : HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)
                .build()));
    }

    private static HTTPFault fault(JsonNode fault, String field) {
        HTTPFault.Builder f = HTTPFault.newBuilder();
        JsonNode abort = fault.path("abort");
        if (abort.isObject()) {
            FaultAbort.Builder a = FaultAbort.newBuilder().setPercentage(Specs.percent(abort.path("percentage"), field + ".abort.percentage"));
            if (abort.has("httpStatus")) {
                int status = abort.path("httpStatus").asInt();
                if (status < 200 || status >= 600) {
                    throw new TranslationException(field + ".abort.httpStatus: " + status + " is not an HTTP status (200-599)");
                }
                a.setHttpStatus(status);
            } else if (abort.has("grpcStatus")) {
                a.setGrpcStatus(grpcStatus(abort.path("grpcStatus"), field + ".abort.grpcStatus"));
            } else {
                throw new TranslationException(field + ".abort: httpStatus or grpcStatus is required");
            }
            f.setAbort(a);
        }
        JsonNode delay = fault.path("delay");
        if (delay.isObject()) {
            if (!delay.has("fixedDelay")) {
                throw new TranslationException(field + ".delay.fixedDelay: Required value");
            }
            f.setDelay(FaultDelay.newBuilder().setFixedDelay(Specs.duration(delay.path("fixedDelay"), field + ".delay.fixedDelay"))
                    .setPercentage(Specs.percent(delay.has("percentage") ? delay.path("percentage")
                            : delay.has("percent") ? percentNode(delay.path("percent").asInt()) : delay.path("percentage"),
                            field + ".delay.percentage")));
        }
        return f.build();
    }

    private static JsonNode percentNode(int percent) {
        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("value", percent);
    }

    private static int grpcStatus(JsonNode value, String field) {
        if (value.isInt()) {
            return value.asInt();
        }
        String text = value.asText().trim();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException ignored) {
            try {
                return io.grpc.Status.Code.valueOf(text.toUpperCase(Locale.ROOT)).value();
            } catch (IllegalArgumentException e) {
                throw new TranslationException(field + ": '" + text + "' is not a gRPC status code name such as UNAVAILABLE");
            }
        }
    }

    /** The hash key of the first destination whose DestinationRule asks for consistent hashing (Istio takes one key per route). */
    private List<RouteAction.HashPolicy> hashPolicies(List<String> clusters) {
        for (String cluster : clusters) {
            JsonNode policy = clusterPolicies.apply(cluster);
            if (ConsistentHash.present(policy)) {
                return ConsistentHash.hashPolicies(policy, "cluster " + cluster);
            }
        }
        return List.of();
    }

    private String cluster(JsonNode destination, String ns, String host, int port, String field) {
        if (!destination.has("host") || destination.path("host").asText().isBlank()) {
            throw new TranslationException(field + ".host: Required value");
        }
        String fqdn = Hosts.fqdn(destination.path("host").asText(), ns);
        int number;
        if (destination.path("port").has("number")) {
            number = destination.path("port").path("number").asInt();
        } else if (fqdn.equals(host)) {
            number = port;
        } else {
            Optional<MeshService> target = services.apply(fqdn);
            number = target.isPresent() && target.get().ports().size() == 1 ? target.get().ports().getFirst().number() : port;
        }
        return ClusterNames.outbound(number, destination.path("subset").asText(""), fqdn);
    }
}
