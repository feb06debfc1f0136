package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The node-independent translated resources, per service host: proxyless RouteConfigurations
 * ({@code host:port}), Clusters, and what each cluster's endpoint assignment is computed from. A
 * {@link #retranslate} of some hosts replaces their resources and tells the listeners once, with an
 * {@link XdsChange} naming what differs. Written on the translation thread; read from any thread.
 */
final class ResourceCache {
    private static final Logger LOG = Logger.getLogger(ResourceCache.class.getName());

    /** What a host's change made stale: its routes (a VirtualService), its clusters (a DestinationRule), or both. */
    enum Part { ROUTES, CLUSTERS, ALL }

    /** The inputs of one cluster's endpoint assignment; the assignment itself depends on the node. */
    record ClusterInput(String host, ServicePort port, Map<String, String> subsetLabels, JsonNode policy) {
    }

    private final ServiceRegistry registry;
    private final MeshIndex index;
    private final Lanes lanes;
    private final RouteTranslator routeTranslator;
    private final ClusterTranslator clusterTranslator = new ClusterTranslator();

    private final Map<String, XdsResource> routes = new ConcurrentHashMap<>();
    /** Route configurations narrowed to a client namespace ({@code ns|name}), when exportTo hides a VirtualService there. */
    private final Map<String, XdsResource> scopedRoutes = new ConcurrentHashMap<>();
    private final Map<String, XdsResource> clusters = new ConcurrentHashMap<>();
    /** Clusters of a host for a client namespace whose DestinationRule is not the shared one ({@code ns|host}). */
    private final Map<String, ClusterSet> scopedClusters = new ConcurrentHashMap<>();
    private final Map<String, ClusterInput> clusterInputs = new ConcurrentHashMap<>();
    /** Per host, the names it produced: {@code R<route>} and {@code C<cluster>}. */
    private final Map<String, Set<String>> namesByHost = new ConcurrentHashMap<>();
    private final List<Consumer<XdsChange>> listeners = new CopyOnWriteArrayList<>();

    ResourceCache(ServiceRegistry registry, MeshIndex index, Lanes lanes) {
        this.registry = registry;
        this.index = index;
        this.lanes = lanes;
        this.routeTranslator = new RouteTranslator(registry::service, this::clusterPolicy, index::virtualService);
    }

    /** The traffic policy in force for a cluster name, from its service's DestinationRule; empty when there is none. */
    private JsonNode clusterPolicy(String clusterName) {
        String[] parts = ClusterNames.parse(clusterName);
        if (parts == null) {
            return ClusterTranslator.policy(null, 0, "");
        }
        MeshObject dr = registry.service(parts[3]).map(index::destinationRuleFor).orElse(null);
        return ClusterTranslator.policy(dr, Integer.parseInt(parts[1]), parts[2]);
    }

    /**
     * Something only per-client views depend on changed (a Sidecar, a ServiceEntry's exportTo): every client
     * re-checks its listeners, routes and clusters; only what differs goes out.
     */
    void scopeChanged() {
        XdsChange change = new XdsChange();
        scopedRoutes.clear();
        scopedClusters.clear();
        TypeUrls.ALL.forEach(change::whole);
        listeners.forEach(l -> l.accept(change));
    }

    /** Listeners run in the order added, on the translation thread, after the resources have been replaced. */
    void onChange(Consumer<XdsChange> listener) {
        listeners.add(listener);
    }

    XdsResource route(String name) {
        return routes.get(name);
    }

    /**
     * The route configuration {@code name} as a client with {@code clientNamespace} and {@code clientLabels}
     * sees it: the shared one when every VirtualService of its host is exported there and none has source
     * conditions, else one translated from the visible ones as {@link SourceMatches} narrows them (shared by
     * the clients that meet the same conditions).
     */
    XdsResource route(String name, String clientNamespace, Map<String, String> clientLabels) {
        XdsResource shared = routes.get(name);
        int colon = name.lastIndexOf(':');
        if (shared == null || colon < 0) {
            return shared;
        }
        List<MeshObject> vss = index.virtualServicesFor(name.substring(0, colon));
        List<MeshObject> visible = vss.stream()
                .filter(vs -> Visibility.visibleTo(vs, clientNamespace, index.defaults().virtualServiceExportTo())).toList();
        List<MeshObject> conditioned = new ArrayList<>(visible);
        visible.forEach(vs -> conditioned.addAll(delegatesOf(vs)));
        boolean sourced = conditioned.stream().anyMatch(SourceMatches::uses);
        if (visible.size() == vss.size() && !sourced) {
            return shared;
        }
        String signature = sourced ? SourceMatches.signature(conditioned, clientNamespace, clientLabels) : "";
        return scopedRoutes.computeIfAbsent(clientNamespace + "|" + signature + "|" + name, k -> {
            Optional<MeshService> service = registry.service(name.substring(0, colon));
            Optional<ServicePort> port = service.flatMap(sv -> sv.port(Integer.parseInt(name.substring(colon + 1))));
            if (port.isEmpty()) {
                return shared;
            }
            RouteTranslator translator = !sourced ? routeTranslator : new RouteTranslator(registry::service, this::clusterPolicy,
                    key -> SourceMatches.forClient(index.virtualService(key), clientNamespace, clientLabels));
            List<MeshObject> seen = visible.stream().map(vs -> SourceMatches.forClient(vs, clientNamespace, clientLabels)).toList();
            List<Route> r;
            try {
                r = lanes.routes(service.get(), port.get(), translator.routes(service.get(), port.get(), seen));
            } catch (TranslationException e) {
                r = lanes.routes(service.get(), port.get(), translator.routes(service.get(), port.get(), List.of()));
            }
            return XdsResource.of(name, routeConfiguration(service.get(), port.get(), r));
        });
    }

    private List<MeshObject> delegatesOf(MeshObject vs) {
        List<MeshObject> out = new ArrayList<>();
        for (JsonNode http : vs.spec().path("http")) {
            JsonNode ref = http.path("delegate");
            MeshObject d = ref.isObject() ? index.virtualService(ref.path("namespace").asText(vs.namespace()) + "/" + ref.path("name").asText()) : null;
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * The clusters of {@code host} as a client in {@code clientNamespace} sees them: the shared ones when the
     * DestinationRule in force there is the shared one, else translated from that namespace's rule.
     */
    Map<String, XdsResource> clustersOf(String host, String clientNamespace) {
        return clusterSet(host, clientNamespace).clusters();
    }

    XdsResource cluster(String name, String clientNamespace) {
        String[] parts = ClusterNames.parse(name);
        return parts == null ? clusters.get(name) : clusterSet(parts[3], clientNamespace).clusters().get(name);
    }

    ClusterInput clusterInput(String name, String clientNamespace) {
        String[] parts = ClusterNames.parse(name);
        return parts == null ? null : clusterSet(parts[3], clientNamespace).inputs().get(name);
    }

    private ClusterSet clusterSet(String host, String clientNamespace) {
        Optional<MeshService> service = registry.service(host);
        if (service.isEmpty()) {
            return ClusterSet.EMPTY;
        }
        MeshObject dr = index.destinationRuleFor(service.get(), clientNamespace);
        MeshObject shared = index.destinationRuleFor(service.get());
        boolean same = dr == null ? shared == null : shared != null && dr.namespace().equals(shared.namespace()) && dr.spec().equals(shared.spec());
        if (same) {
            Map<String, XdsResource> cs = new LinkedHashMap<>();
            Map<String, ClusterInput> in = new LinkedHashMap<>();
            for (String n : namesByHost.getOrDefault(host, Set.of())) {
                if (n.startsWith("C") && clusters.containsKey(n.substring(1))) {
                    cs.put(n.substring(1), clusters.get(n.substring(1)));
                    ClusterInput ci = clusterInputs.get(n.substring(1));
                    if (ci != null) {
                        in.put(n.substring(1), ci);
                    }
                }
            }
            return new ClusterSet(cs, in);
        }
        return scopedClusters.computeIfAbsent(clientNamespace + "|" + host, k -> {
            Map<String, XdsResource> cs = new LinkedHashMap<>();
            Map<String, ClusterInput> in = new LinkedHashMap<>();
            translateClusters(service.get(), dr, (c, input) -> {
                cs.put(c.getName(), XdsResource.of(c.getName(), c));
                in.put(c.getName(), input);
            });
            return new ClusterSet(cs, in);
        });
    }

    /** One host's clusters and their endpoint inputs, as one namespace's clients see them. */
    private record ClusterSet(Map<String, XdsResource> clusters, Map<String, ClusterInput> inputs) {
        static final ClusterSet EMPTY = new ClusterSet(Map.of(), Map.of());
    }

    XdsResource cluster(String name) {
        return clusters.get(name);
    }

    ClusterInput clusterInput(String name) {
        return clusterInputs.get(name);
    }

    Map<String, XdsResource> routes() {
        return Collections.unmodifiableMap(routes);
    }

    Map<String, XdsResource> clusters() {
        return Collections.unmodifiableMap(clusters);
    }

    Set<String> clusterNames() {
        return Collections.unmodifiableSet(clusterInputs.keySet());
    }

    /** Hosts that have resources now (a host the registry dropped still has some until it is retranslated). */
    Set<String> hosts() {
        return Collections.unmodifiableSet(namesByHost.keySet());
    }

    /** How many times a VirtualService has been translated for one host and port (tests count them). */
    long routeTranslations() {
        return routeTranslator.translations();
    }

    /** The routes of a VirtualService bound to a gateway, for a virtual host of {@code host} on gateway port {@code port}. */
    List<Route> gatewayRoutes(MeshObject vs, String host, int port) {
        return routeTranslator.translate(vs, host, port);
    }

    /** Objects that only per-node views read (policies, gateways) changed: every listener and route is re-checked. */
    void viewsChanged() {
        XdsChange change = new XdsChange();
        change.whole(TypeUrls.LISTENER);
        change.whole(TypeUrls.ROUTE);
        listeners.forEach(l -> l.accept(change));
    }

    /** Validates a VirtualService for a host the registry does not know (yet): its routes as at port 80. */
    void validate(MeshObject vs, String host) {
        routeTranslator.translate(vs, host, 80);
    }

    void validate(MeshObject dr) {
        clusterTranslator.validate(dr);
    }

    /**
     * The route configurations of every port of {@code service} from the index's VirtualServices as they are
     * now; throws {@link TranslationException} when one of them cannot be translated. The result can be
     * handed to {@link #retranslate} so a change is translated once.
     */
    Map<String, RouteConfiguration> translateRoutes(MeshService service) {
        return routeConfigurations(service, false);
    }

    /** The route configurations of each port; with {@code fallBack}, a port whose routes fail gets the default route. */
    private Map<String, RouteConfiguration> routeConfigurations(MeshService service, boolean fallBack) {
        Map<String, RouteConfiguration> out = new LinkedHashMap<>();
        List<MeshObject> vss = index.virtualServicesFor(service.hostname());
        for (ServicePort port : service.ports()) {
            List<Route> r;
            try {
                r = portRoutes(service, port, vss);
            } catch (TranslationException e) {
                if (!fallBack) {
                    throw e;
                }
                LOG.warning("routes for " + routeName(service, port) + " fall back to the default route: " + e.getMessage());
                r = portRoutes(service, port, List.of());
            }
            out.put(routeName(service, port), routeConfiguration(service, port, r));
        }
        return out;
    }

    /** A port's routes: its lanes' first, then those of the VirtualServices (and the default route). */
    private List<Route> portRoutes(MeshService service, ServicePort port, List<MeshObject> vss) {
        return lanes.routes(service, port, routeTranslator.routes(service, port, vss));
    }

    private static String routeName(MeshService service, ServicePort port) {
        return service.hostname() + ":" + port.number();
    }

    private static RouteConfiguration routeConfiguration(MeshService service, ServicePort port, List<Route> routes) {
        String name = routeName(service, port);
        return RouteConfiguration.newBuilder().setName(name)
                .addVirtualHosts(VirtualHost.newBuilder().setName(name).addDomains("*").addAllRoutes(routes)).build();
    }

    /** Retranslates the given part of each host (the whole host where it has none yet) and tells the listeners. */
    void retranslate(Set<String> hosts, Part part) {
        retranslate(hosts, part, Map.of());
    }

    /**
     * As {@link #retranslate(Set, Part)}, taking the routes of the hosts in {@code translated} as they are given.
     * No host, no change: nothing is cleared and nobody is told, because every push clears the clients' scoped
     * views and re-sends their listeners.
     */
    void retranslate(Set<String> hosts, Part part, Map<String, Map<String, RouteConfiguration>> translated) {
        if (hosts.isEmpty()) {
            return;
        }
        XdsChange change = new XdsChange();
        scopedRoutes.clear();
        scopedClusters.clear();
        boolean portsChanged = false;
        for (String host : hosts) {
            portsChanged |= retranslateHost(host, part, translated.get(host), change);
        }
        // listeners, sidecar routes and wildcard cluster lists are derived from these hosts
        change.whole(TypeUrls.LISTENER);
        if (portsChanged || !change.names.getOrDefault(TypeUrls.ROUTE, Set.of()).isEmpty()) {
            change.whole(TypeUrls.ROUTE);
        }
        if (portsChanged) {
            change.whole(TypeUrls.CLUSTER);
        }
        listeners.forEach(l -> l.accept(change));
    }

    /** Retranslates one host; returns whether its set of resources (not only their contents) changed. */
    private boolean retranslateHost(String host, Part part, Map<String, RouteConfiguration> translated, XdsChange change) {
        Optional<MeshService> found = registry.service(host);
        Set<String> before = namesByHost.getOrDefault(host, Set.of());
        Set<String> now = new HashSet<>();
        if (found.isPresent()) {
            MeshService service = found.get();
            if (part != Part.CLUSTERS || before.stream().noneMatch(n -> n.startsWith("R"))) {
                Map<String, RouteConfiguration> rcs = translated != null ? translated : routeConfigurations(service, true);
                rcs.forEach((name, rc) -> {
                    put(routes, TypeUrls.ROUTE, name, rc, change);
                    now.add("R" + name);
                });
            } else {
                before.stream().filter(n -> n.startsWith("R")).forEach(now::add);
            }
            if (part != Part.ROUTES || before.stream().noneMatch(n -> n.startsWith("C"))) {
                translateClusters(service, change, now);
            } else {
                // a routing-only change: clusters and endpoint assignments stay as they are
                before.stream().filter(n -> n.startsWith("C")).forEach(now::add);
            }
        }
        for (String gone : before) {
            if (!now.contains(gone)) {
                String name = gone.substring(1);
                if (gone.startsWith("R")) {
                    routes.remove(name);
                    change.name(TypeUrls.ROUTE, name);
                } else {
                    clusters.remove(name);
                    clusterInputs.remove(name);
                    change.name(TypeUrls.CLUSTER, name);
                    change.name(TypeUrls.ENDPOINT, name);
                }
            }
        }
        if (now.isEmpty()) {
            namesByHost.remove(host);
        } else {
            namesByHost.put(host, now);
        }
        return !before.equals(now);
    }

    private void translateClusters(MeshService service, XdsChange change, Set<String> now) {
        translateClusters(service, index.destinationRuleFor(service), (c, input) -> {
            put(clusters, TypeUrls.CLUSTER, c.getName(), c, change);
            clusterInputs.put(c.getName(), input);
            now.add("C" + c.getName());
            // endpoint assignments are per node view: every view's copy is stale
            change.name(TypeUrls.ENDPOINT, c.getName());
        });
    }

    /** Translates a service's clusters under {@code dr}, or under none when the rule cannot be translated. */
    private void translateClusters(MeshService service, MeshObject dr, java.util.function.BiConsumer<Cluster, ClusterInput> sink) {
        List<Cluster> cs;
        try {
            cs = clusterTranslator.clusters(service, dr);
        } catch (TranslationException e) {
            LOG.warning("clusters for " + service.hostname() + " use no DestinationRule: " + e.getMessage());
            dr = null;
            cs = clusterTranslator.clusters(service, null);
        }
        MeshObject rule = dr;
        cs = new java.util.ArrayList<>(cs);
        cs.addAll(lanes.clusters(service, port -> ClusterTranslator.policy(rule, port, "")));
        for (Cluster c : cs) {
            String[] parts = ClusterNames.parse(c.getName());
            String subset = parts[2];
            int portNumber = Integer.parseInt(parts[1]);
            sink.accept(c, new ClusterInput(service.hostname(), service.port(portNumber).orElseThrow(),
                    Lanes.endpointLabels(subset, subsetLabels(dr, subset)), ClusterTranslator.policy(dr, portNumber, subset)));
        }
    }

    private static Map<String, String> subsetLabels(MeshObject dr, String subset) {
        if (dr == null || subset.isEmpty()) {
            return Map.of();
        }
        for (JsonNode s : dr.spec().path("subsets")) {
            if (subset.equals(s.path("name").asText())) {
                Map<String, String> labels = new HashMap<>();
                s.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                return labels;
            }
        }
        return Map.of("meshlane.io/unknown-subset", subset);
    }

    private static void put(Map<String, XdsResource> map, String type, String name, Message m, XdsChange change) {
        XdsResource r = XdsResource.of(name, m);
        XdsResource old = map.put(name, r);
        if (old == null || !old.version().equals(r.version())) {
            change.name(type, name);
        }
    }
}
