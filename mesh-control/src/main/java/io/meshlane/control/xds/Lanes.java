package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshlane.control.registry.Hosts;
import io.meshlane.control.registry.MeshEndpoint;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything xDS derives from {@code TestLane}s, in one place. A lane covers a service when it names it in
 * {@code spec.services}, or (without that list) when a workload of the service in the lane's namespace is
 * labelled {@code meshlane.io/lane=<lane>}. For each covered service port the lane adds a subset cluster
 * ({@code outbound|9080|meshlane-lane-<lane>|host}) selecting its workloads, and, ahead of the user's own
 * routes, a route that sends requests coloured for the lane (the lane header, or the W3C baggage member of
 * the same name) to it. Every other cluster of every service is a baseline: it never selects a workload
 * that carries a lane label, lane or no TestLane, so uncoloured requests cannot reach a build under test.
 * A lane's {@code mirror} copies the production routes' requests of a service it covers to its cluster.
 */
final class Lanes {
    static final String LABEL = "meshlane.io/lane";
    static final String DEFAULT_HEADER = "x-meshlane-lane";
    static final String BAGGAGE = "baggage";
    /** Cluster subset names of lanes; a DestinationRule subset cannot start so (the validator refuses it). */
    static final String SUBSET_PREFIX = "meshlane-lane-";
    /** A subset label key meaning "the endpoint has no such label" (no real label key starts with '!'). */
    private static final String ABSENT = "!";

    /** One TestLane as xDS reads it; {@code services} is null when the lane covers its labelled workloads' services. */
    record Lane(String namespace, String name, String header, Set<String> services, String mirrorHost, double mirrorPercent) {
        String subset() {
            return SUBSET_PREFIX + name;
        }

        String key() {
            return namespace + "/" + name;
        }
    }

    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private final ServiceRegistry registry;

    Lanes(ServiceRegistry registry) {
        this.registry = registry;
    }

    static Lane read(MeshObject o) {
        JsonNode spec = o.spec();
        Set<String> services = null;
        if (spec.path("services").isArray()) {
            services = new TreeSet<>();
            for (JsonNode s : spec.path("services")) {
                services.add(Hosts.fqdn(s.asText(), o.namespace()));
            }
        }
        JsonNode mirror = spec.path("mirror");
        String mirrorHost = mirror.hasNonNull("host") ? Hosts.fqdn(mirror.path("host").asText(), o.namespace()) : null;
        double percent = mirror.path("percent").asDouble(100);
        if (percent < 0 || percent > 100) {
            throw new TranslationException("TestLane " + o.namespace() + "/" + o.name() + " spec.mirror.percent: " + percent
                    + " is outside 0-100");
        }
        String header = spec.path("header").asText(DEFAULT_HEADER);
        return new Lane(o.namespace(), o.name(), header.isBlank() ? DEFAULT_HEADER : header, services, mirrorHost, percent);
    }

    /**
     * Adds or replaces a lane; returns the hosts whose resources it changed (before and after), none when only the
     * object's status or metadata changed.
     */
    Set<String> put(MeshObject o) {
        Lane lane = read(o);
        Set<String> hosts = new TreeSet<>();
        Lane old = lanes.put(lane.key(), lane);
        if (lane.equals(old)) {
            return hosts;
        }
        if (old != null) {
            hosts.addAll(hosts(old));
        }
        hosts.addAll(hosts(lane));
        return hosts;
    }

    /** Removes a lane; returns the hosts that carried its routes and clusters. */
    Set<String> remove(String namespace, String name) {
        Lane old = lanes.remove(namespace + "/" + name);
        return old == null ? Set.of() : hosts(old);
    }

    List<Lane> all() {
        return lanes.values().stream().sorted(java.util.Comparator.comparing(Lane::key)).toList();
    }

    /** The services a lane covers: those it names, else those with a workload of the lane's. */
    Set<String> covered(Lane lane) {
        Set<String> out = new TreeSet<>();
        for (MeshService s : registry.services()) {
            if (covers(lane, s)) {
                out.add(s.hostname());
            }
        }
        if (lane.services() != null) {
            out.addAll(lane.services());
        }
        return out;
    }

    /** The hosts a lane has resources on: the services it covers and its mirror host. */
    Set<String> hosts(Lane lane) {
        Set<String> out = covered(lane);
        if (lane.mirrorHost() != null) {
            out.add(lane.mirrorHost());
        }
        return out;
    }

    boolean covers(Lane lane, MeshService service) {
        if (lane.services() != null) {
            return lane.services().contains(service.hostname());
        }
        if (!lane.namespace().equals(service.namespace())) {
            return false;
        }
        for (MeshEndpoint e : registry.endpoints(service.hostname())) {
            if (lane.name().equals(e.labels().get(LABEL))) {
                return true;
            }
        }
        return false;
    }

    /** The lanes covering a service, by name. */
    List<Lane> covering(MeshService service) {
        Map<String, Lane> byName = new TreeMap<>();
        for (Lane lane : all()) {
            if (covers(lane, service)) {
                byName.putIfAbsent(lane.name(), lane);
            }
        }
        return List.copyOf(byName.values());
    }

    /**
     * A service port's routes with its lanes': each covering lane's routes first, then {@code userRoutes}
     * (the VirtualServices' and the default route), each of those copying its requests to the lanes that
     * mirror this host.
     */
    List<Route> routes(MeshService service, ServicePort port, List<Route> userRoutes) {
        List<Route> out = new ArrayList<>();
        for (Lane lane : covering(service)) {
            RouteAction.Builder action = RouteAction.newBuilder()
                    .setCluster(ClusterNames.outbound(port.number(), lane.subset(), service.hostname()));
            out.add(Route.newBuilder().setName("lane." + lane.namespace() + "." + lane.name())
                    .setMatch(RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder().setName(lane.header())
                            .setStringMatch(StringMatcher.newBuilder().setExact(lane.name()))))
                    .setRoute(action).build());
            out.add(Route.newBuilder().setName("lane." + lane.namespace() + "." + lane.name() + ".baggage")
                    .setMatch(RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder().setName(BAGGAGE)
                            .setStringMatch(StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
                                    .setRegex(baggageMember(lane.header(), lane.name()))))))
                    .setRoute(action).build());
        }
        List<RouteAction.RequestMirrorPolicy> mirrors = mirrors(service, port);
        for (Route r : userRoutes) {
            out.add(mirrors.isEmpty() || !r.hasRoute() ? r
                    : r.toBuilder().setRoute(r.getRoute().toBuilder().addAllRequestMirrorPolicies(mirrors)).build());
        }
        return out;
    }

    private List<RouteAction.RequestMirrorPolicy> mirrors(MeshService service, ServicePort port) {
        List<RouteAction.RequestMirrorPolicy> out = new ArrayList<>();
        for (Lane lane : all()) {
            if (service.hostname().equals(lane.mirrorHost()) && covers(lane, service)) {
                out.add(RouteAction.RequestMirrorPolicy.newBuilder()
                        .setCluster(ClusterNames.outbound(port.number(), lane.subset(), service.hostname()))
                        .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(Specs.percent(
                                JsonNodeFactory.instance.objectNode().put("value", lane.mirrorPercent()), "TestLane "
                                        + lane.key() + " spec.mirror.percent")))
                        .build());
            }
        }
        return out;
    }

    /**
     * A W3C baggage header (RE2, matched whole) with the member {@code key=value}, with or without properties
     * and whitespace, anywhere in the list.
     */
    static String baggageMember(String key, String value) {
        return "(.*,)?[ \\t]*" + literal(key) + "[ \\t]*=[ \\t]*" + literal(value) + "[ \\t]*([;,].*)?";
    }

    private static String literal(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /**
     * The lane subset clusters of a service: one a covering lane and port, with the rule's top-level policy.
     * Each carries filter metadata {@value #LABEL}: {lane, header}, so that a proxy mirroring requests into it
     * knows how to colour the copies for the lane.
     */
    List<Cluster> clusters(MeshService service, java.util.function.IntFunction<JsonNode> policy) {
        List<Cluster> out = new ArrayList<>();
        for (Lane lane : covering(service)) {
            for (ServicePort port : service.ports()) {
                Cluster c = ClusterTranslator.cluster(ClusterNames.outbound(port.number(), lane.subset(), service.hostname()),
                        policy.apply(port.number()), "TestLane " + lane.key());
                out.add(c.toBuilder().setMetadata(c.getMetadata().toBuilder().putFilterMetadata(LABEL, Struct.newBuilder()
                        .putFields("lane", Value.newBuilder().setStringValue(lane.name()).build())
                        .putFields("header", Value.newBuilder().setStringValue(lane.header()).build()).build())).build());
            }
        }
        return out;
    }

    /**
     * The labels a cluster's endpoints are selected by: a lane's own label for its subset, otherwise the
     * DestinationRule subset's labels (none for the default cluster) and no lane label at all.
     */
    static Map<String, String> endpointLabels(String subset, Map<String, String> ruleLabels) {
        if (subset.startsWith(SUBSET_PREFIX)) {
            return Map.of(LABEL, subset.substring(SUBSET_PREFIX.length()));
        }
        Map<String, String> out = new HashMap<>(ruleLabels);
        out.put(ABSENT + LABEL, "");
        return out;
    }

    /** Whether an endpoint's labels satisfy a cluster's {@link #endpointLabels}. */
    static boolean selects(Map<String, String> wanted, Map<String, String> labels) {
        for (var w : wanted.entrySet()) {
            boolean ok = w.getKey().startsWith(ABSENT) ? !labels.containsKey(w.getKey().substring(ABSENT.length()))
                    : w.getValue().equals(labels.get(w.getKey()));
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
