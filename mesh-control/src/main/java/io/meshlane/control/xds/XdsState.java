package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.meshlane.control.registry.Hosts;
import io.meshlane.control.registry.IstioRegistryFeed;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The translated mesh: hosted configuration + service registry → Envoy resources. Node-independent
 * resources (proxyless RouteConfigurations {@code host:port}, Clusters) are computed per service host
 * and recomputed only for the hosts a change touches: a VirtualService change recomputes the routes of
 * its hosts, a DestinationRule change the clusters and endpoints of its host, a registry change the
 * host's resources. Node-dependent resources (listener aliases by namespace, endpoint priorities by
 * locality, sidecar listeners) are computed per view ({@link ProxyNode#viewKey()}) on demand and cached.
 * <p>A VirtualService or DestinationRule the translator rejects is recorded as a {@link Rejection} and
 * its last good version stays in force. Mutations run on one thread (the caller's); reads are thread-safe.
 */
public final class XdsState {
    private static final Logger LOG = Logger.getLogger(XdsState.class.getName());

    record ClusterInput(String host, ServicePort port, Map<String, String> subsetLabels, JsonNode policy) {
    }

    private final ServiceRegistry registry;
    private final IstioRegistryFeed feed;
    private final RouteTranslator routeTranslator;
    private final ClusterTranslator clusterTranslator = new ClusterTranslator();

    private final Map<String, MeshObject> virtualServices = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> vsByHost = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> drByHost = new ConcurrentHashMap<>();
    private final Map<String, MeshObject> destinationRules = new ConcurrentHashMap<>();
    private final Map<String, MeshObject> namespaces = new ConcurrentHashMap<>();

    private final Map<String, XdsResource> routes = new ConcurrentHashMap<>();
    private final Map<String, XdsResource> clusters = new ConcurrentHashMap<>();
    private final Map<String, ClusterInput> clusterInputs = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> namesByHost = new ConcurrentHashMap<>();
    private final Map<String, Map<String, XdsResource>> endpointViews = new ConcurrentHashMap<>();
    private final Map<String, Map<String, XdsResource>> sidecarViews = new ConcurrentHashMap<>();
    private final List<Rejection> rejections = new CopyOnWriteArrayList<>();
    private final List<Consumer<Rejection>> rejectionListeners = new CopyOnWriteArrayList<>();
    private final Consumer<XdsChange> onChange;
    private volatile boolean synced;

    public XdsState(ServiceRegistry registry, Consumer<XdsChange> onChange) {
        this.registry = registry;
        this.feed = new IstioRegistryFeed(registry);
        this.routeTranslator = new RouteTranslator(registry::service);
        this.onChange = onChange;
    }

    public ServiceRegistry registry() {
        return registry;
    }

    public List<Rejection> rejections() {
        return List.copyOf(rejections);
    }

    public void onRejection(Consumer<Rejection> listener) {
        rejectionListeners.add(listener);
    }

    public Optional<MeshObject> namespace(String name) {
        return Optional.ofNullable(namespaces.get(name));
    }

    // ---- inputs (one thread) ----

    public void upsert(MeshObject o) {
        switch (o.kind()) {
            case MeshObject.VIRTUAL_SERVICE -> applyVirtualService(o);
            case MeshObject.DESTINATION_RULE -> applyDestinationRule(o);
            case MeshObject.SERVICE_ENTRY, MeshObject.WORKLOAD_ENTRY -> {
                try {
                    feed.apply(o.kind(), o.object());
                } catch (RuntimeException e) {
                    reject(o, e.getMessage());
                }
            }
            case MeshObject.NAMESPACE -> namespaces.put(o.name(), o);
            default -> LOG.fine("ignoring kind " + o.kind());
        }
    }

    public void delete(String kind, String namespace, String name, long revision) {
        String key = namespace + "/" + name;
        switch (kind) {
            case MeshObject.VIRTUAL_SERVICE -> {
                MeshObject old = removeVs(key);
                if (old != null && synced) {
                    recompute(vsHosts(old), false);
                }
            }
            case MeshObject.DESTINATION_RULE -> {
                MeshObject old = removeDr(key);
                if (old != null && synced) {
                    recompute(Set.of(drHost(old)), true);
                }
            }
            case MeshObject.SERVICE_ENTRY, MeshObject.WORKLOAD_ENTRY -> feed.delete(kind, namespace, name);
            case MeshObject.NAMESPACE -> namespaces.remove(name);
            default -> { }
        }
    }

    /** The initial configuration is in: compute everything once. */
    public void synced() {
        synced = true;
        recompute(allHosts(), true);
    }

    /** Registry hosts changed (services or endpoints). */
    public void registryChanged(Set<String> hosts) {
        if (synced) {
            recompute(hosts, true);
        }
    }

    private Set<String> allHosts() {
        Set<String> hosts = new TreeSet<>();
        registry.services().forEach(s -> hosts.add(s.hostname()));
        hosts.addAll(namesByHost.keySet());
        return hosts;
    }

    private void reject(MeshObject o, String message) {
        LOG.warning("rejected " + o.kind() + " " + o.namespace() + "/" + o.name() + " at revision " + o.revision()
                + ": " + message + " (the last good version stays in force; fix the object and apply it again)");
        Rejection r = new Rejection(o.kind(), o.namespace(), o.name(), o.revision(), message, Instant.now());
        rejections.add(r);
        rejectionListeners.forEach(l -> l.accept(r));
    }

    private void applyVirtualService(MeshObject vs) {
        String key = vs.namespace() + "/" + vs.name();
        MeshObject old = virtualServices.get(key);
        Set<String> hosts = new HashSet<>();
        try {
            hosts.addAll(vsHosts(vs));
            if (hosts.isEmpty()) {
                throw new TranslationException("VirtualService " + key + " spec.hosts: Required value");
            }
            // validate standalone (also for hosts the registry does not know yet)
            for (String host : hosts) {
                routeTranslator.translate(vs, host, 80);
            }
            putVs(key, vs);
            if (synced) {
                // translate every affected port with the new object before committing
                for (String host : hosts) {
                    Optional<MeshService> s = registry.service(host);
                    if (s.isPresent()) {
                        for (ServicePort p : s.get().ports()) {
                            routeTranslator.routes(s.get(), p, virtualServicesFor(host));
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            if (old != null) {
                putVs(key, old);
            } else {
                removeVs(key);
            }
            reject(vs, e.getMessage());
            return;
        }
        if (old != null) {
            hosts.addAll(vsHosts(old));
        }
        if (synced) {
            recompute(hosts, false);
        }
    }

    private void applyDestinationRule(MeshObject dr) {
        String key = dr.namespace() + "/" + dr.name();
        MeshObject old = destinationRules.get(key);
        try {
            if (dr.spec().path("host").asText("").isBlank()) {
                throw new TranslationException("DestinationRule " + key + " spec.host: Required value");
            }
            clusterTranslator.validate(dr);
        } catch (RuntimeException e) {
            reject(dr, e.getMessage());
            return;
        }
        putDr(key, dr);
        Set<String> hosts = new HashSet<>(Set.of(drHost(dr)));
        if (old != null) {
            hosts.add(drHost(old));
        }
        if (synced) {
            recompute(hosts, true);
        }
    }

    private void putVs(String key, MeshObject vs) {
        removeVs(key);
        virtualServices.put(key, vs);
        for (String h : vsHosts(vs)) {
            vsByHost.computeIfAbsent(h, x -> ConcurrentHashMap.newKeySet()).add(key);
        }
    }

    private MeshObject removeVs(String key) {
        MeshObject old = virtualServices.remove(key);
        if (old != null) {
            for (String h : vsHosts(old)) {
                Set<String> keys = vsByHost.get(h);
                if (keys != null) {
                    keys.remove(key);
                    if (keys.isEmpty()) {
                        vsByHost.remove(h);
                    }
                }
            }
        }
        return old;
    }

    private void putDr(String key, MeshObject dr) {
        removeDr(key);
        destinationRules.put(key, dr);
        drByHost.computeIfAbsent(drHost(dr), x -> ConcurrentHashMap.newKeySet()).add(key);
    }

    private MeshObject removeDr(String key) {
        MeshObject old = destinationRules.remove(key);
        if (old != null) {
            Set<String> keys = drByHost.get(drHost(old));
            if (keys != null) {
                keys.remove(key);
            }
        }
        return old;
    }

    private static Set<String> vsHosts(MeshObject vs) {
        Set<String> hosts = new HashSet<>();
        JsonNode gateways = vs.spec().path("gateways");
        if (gateways.isArray() && !gateways.isEmpty()) {
            boolean mesh = false;
            for (JsonNode g : gateways) {
                mesh |= g.asText().equals("mesh");
            }
            if (!mesh) {
                return hosts;
            }
        }
        for (JsonNode h : vs.spec().path("hosts")) {
            hosts.add(Hosts.fqdn(h.asText(), vs.namespace()));
        }
        return hosts;
    }

    private static String drHost(MeshObject dr) {
        return Hosts.fqdn(dr.spec().path("host").asText(), dr.namespace());
    }

    private static String created(MeshObject o) {
        return o.object().path("metadata").path("creationTimestamp").asText("");
    }

    private List<MeshObject> virtualServicesFor(String host) {
        List<MeshObject> list = new ArrayList<>();
        for (String key : vsByHost.getOrDefault(host, Set.of())) {
            MeshObject vs = virtualServices.get(key);
            if (vs != null) {
                list.add(vs);
            }
        }
        list.sort(Comparator.comparing(XdsState::created).thenComparing(o -> o.namespace() + "/" + o.name()));
        return list;
    }

    private MeshObject destinationRuleFor(MeshService service) {
        MeshObject best = null;
        for (String key : drByHost.getOrDefault(service.hostname(), Set.of())) {
            MeshObject dr = destinationRules.get(key);
            if (dr == null) {
                continue;
            }
            if (best == null) {
                best = dr;
                continue;
            }
            boolean drLocal = dr.namespace().equals(service.namespace());
            boolean bestLocal = best.namespace().equals(service.namespace());
            if (drLocal && !bestLocal || drLocal == bestLocal && created(dr).compareTo(created(best)) < 0) {
                best = dr;
            }
        }
        return best;
    }

    // ---- recomputation ----

    private void recompute(Set<String> hosts, boolean clustersToo) {
        XdsChange change = new XdsChange();
        boolean portsChanged = false;
        for (String host : hosts) {
            portsChanged |= recomputeHost(host, clustersToo, change);
        }
        // views hold aliases, priorities and sidecar routes derived from these hosts
        sidecarViews.clear();
        change.whole(TypeUrls.LISTENER);
        if (portsChanged || !change.names.getOrDefault(TypeUrls.ROUTE, Set.of()).isEmpty()) {
            change.whole(TypeUrls.ROUTE);
        }
        if (portsChanged) {
            change.whole(TypeUrls.CLUSTER);
        }
        if (!change.isEmpty()) {
            onChange.accept(change);
        }
    }

    /** Recomputes one host; returns whether its set of resources (not only contents) changed. */
    private boolean recomputeHost(String host, boolean clustersToo, XdsChange change) {
        Optional<MeshService> found = registry.service(host);
        Set<String> before = namesByHost.getOrDefault(host, Set.of());
        Set<String> now = new HashSet<>();
        if (found.isPresent()) {
            MeshService service = found.get();
            List<MeshObject> vss = virtualServicesFor(host);
            for (ServicePort port : service.ports()) {
                String name = host + ":" + port.number();
                List<Route> r;
                try {
                    r = routeTranslator.routes(service, port, vss);
                } catch (TranslationException e) {
                    LOG.warning("routes for " + name + " fall back to the default route: " + e.getMessage());
                    r = routeTranslator.routes(service, port, List.of());
                }
                RouteConfiguration rc = RouteConfiguration.newBuilder().setName(name)
                        .addVirtualHosts(VirtualHost.newBuilder().setName(name).addDomains("*").addAllRoutes(r)).build();
                put(routes, TypeUrls.ROUTE, name, rc, change);
                now.add("R" + name);
            }
            if (clustersToo || !before.stream().anyMatch(n -> n.startsWith("C"))) {
                MeshObject dr = destinationRuleFor(service);
                List<Cluster> cs;
                try {
                    cs = clusterTranslator.clusters(service, dr);
                } catch (TranslationException e) {
                    LOG.warning("clusters for " + host + " use no DestinationRule: " + e.getMessage());
                    dr = null;
                    cs = clusterTranslator.clusters(service, null);
                }
                for (Cluster c : cs) {
                    put(clusters, TypeUrls.CLUSTER, c.getName(), c, change);
                    String[] parts = ClusterNames.parse(c.getName());
                    String subset = parts[2];
                    int portNumber = Integer.parseInt(parts[1]);
                    clusterInputs.put(c.getName(), new ClusterInput(host, service.port(portNumber).orElseThrow(),
                            subsetLabels(dr, subset), ClusterTranslator.policy(dr, portNumber, subset)));
                    now.add("C" + c.getName());
                    change.name(TypeUrls.ENDPOINT, c.getName());
                    for (Map<String, XdsResource> view : endpointViews.values()) {
                        view.remove(c.getName());
                    }
                }
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
                    endpointViews.values().forEach(v -> v.remove(name));
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

    private static void put(Map<String, XdsResource> map, String type, String name, com.google.protobuf.Message m, XdsChange change) {
        XdsResource r = XdsResource.of(name, m);
        XdsResource old = map.put(name, r);
        if (old == null || !old.version().equals(r.version())) {
            change.name(type, name);
        }
    }

    // ---- reads (any thread) ----

    /** The resource {@code name} of {@code type} as {@code node} should see it, or null if there is none. */
    public XdsResource resolve(String type, String name, ProxyNode node) {
        return switch (type) {
            case TypeUrls.LISTENER -> node.type() == ProxyNode.Type.PROXYLESS ? apiListener(name, node) : sidecar(node).get("L" + name);
            case TypeUrls.ROUTE -> {
                XdsResource r = routes.get(name);
                yield r != null ? r : node.type() == ProxyNode.Type.SIDECAR ? sidecar(node).get("R" + name) : null;
            }
            case TypeUrls.CLUSTER -> {
                XdsResource c = clusters.get(name);
                yield c != null ? c : node.type() == ProxyNode.Type.SIDECAR ? sidecar(node).get("C" + name) : null;
            }
            case TypeUrls.ENDPOINT -> endpoints(name, node);
            default -> null;
        };
    }

    /** Every resource of {@code type} a wildcard subscriber ({@code node}) should see. */
    public Collection<XdsResource> wildcard(String type, ProxyNode node) {
        Map<String, XdsResource> out = new TreeMap<>();
        if (TypeUrls.CLUSTER.equals(type)) {
            out.putAll(clusters);
            if (node.type() == ProxyNode.Type.SIDECAR) {
                sidecar(node).forEach((k, v) -> {
                    if (k.startsWith("C")) {
                        out.put(k.substring(1), v);
                    }
                });
            }
        } else if (TypeUrls.LISTENER.equals(type)) {
            if (node.type() == ProxyNode.Type.SIDECAR) {
                sidecar(node).forEach((k, v) -> {
                    if (k.startsWith("L")) {
                        out.put(k.substring(1), v);
                    }
                });
            } else {
                for (String r : routes.keySet()) {
                    out.put(r, apiListener(r, node));
                }
            }
        }
        return out.values();
    }

    private XdsResource apiListener(String name, ProxyNode node) {
        String target = name.startsWith("xds:///") ? name.substring(7) : name;
        String host = target;
        int port = -1;
        int colon = target.lastIndexOf(':');
        if (colon > 0) {
            try {
                port = Integer.parseInt(target.substring(colon + 1));
                host = target.substring(0, colon);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        String fqdn;
        if (!host.contains(".")) {
            fqdn = Hosts.fqdn(host, node.namespace());
        } else if (host.chars().filter(c -> c == '.').count() == 1) {
            fqdn = host + "." + Hosts.DOMAIN;
        } else if (host.endsWith(".svc")) {
            fqdn = host + ".cluster.local";
        } else {
            fqdn = host;
        }
        Optional<MeshService> service = registry.service(fqdn);
        if (service.isEmpty() && !fqdn.equals(host)) {
            service = registry.service(host);
            fqdn = host;
        }
        if (service.isEmpty() || service.get().ports().isEmpty()) {
            return null;
        }
        ServicePort chosen;
        if (port >= 0) {
            chosen = service.get().port(port).orElse(null);
            if (chosen == null) {
                return null;
            }
        } else {
            List<ServicePort> ports = service.get().ports();
            chosen = ports.size() == 1 ? ports.getFirst()
                    : service.get().port(80).orElse(ports.stream().filter(p -> p.protocol().startsWith("GRPC")).findFirst().orElse(ports.getFirst()));
        }
        return XdsResource.of(name, ListenerTranslator.apiListener(name, fqdn + ":" + chosen.number()));
    }

    private XdsResource endpoints(String cluster, ProxyNode node) {
        ClusterInput input = clusterInputs.get(cluster);
        if (input == null) {
            return null;
        }
        Map<String, XdsResource> view = endpointViews.computeIfAbsent(node.viewKey(), k -> new ConcurrentHashMap<>());
        return view.computeIfAbsent(cluster, c -> {
            ClusterLoadAssignment cla = EndpointTranslator.assignment(c, input.port(), input.subsetLabels(), input.policy(),
                    registry.endpoints(input.host()), node);
            return XdsResource.of(c, cla);
        });
    }

    /** Sidecar listeners (L), port route configurations (R) and static clusters (C) for one view. */
    private Map<String, XdsResource> sidecar(ProxyNode node) {
        // sidecar views also depend on the proxy's own address (its inbound ports)
        return sidecarViews.computeIfAbsent(node.viewKey() + "|" + node.ip(), k -> buildSidecar(node));
    }

    private Map<String, XdsResource> buildSidecar(ProxyNode node) {
        Map<String, XdsResource> out = new LinkedHashMap<>();
        out.put("LvirtualOutbound", XdsResource.of("virtualOutbound", ListenerTranslator.virtualOutbound()));
        // the proxy's own workload: endpoints at its address give the inbound ports
        Map<Integer, Boolean> ownPorts = new TreeMap<>();
        if (!node.ip().isEmpty()) {
            for (MeshService s : registry.services()) {
                for (var e : registry.endpoints(s.hostname())) {
                    if (e.address().equals(node.ip())) {
                        for (ServicePort p : s.ports()) {
                            ownPorts.put(e.portFor(p), p.protocol().startsWith("HTTP") || p.protocol().startsWith("GRPC"));
                        }
                    }
                }
            }
        }
        out.put("LvirtualInbound", XdsResource.of("virtualInbound", ListenerTranslator.virtualInbound(ownPorts)));
        ownPorts.keySet().forEach(p -> out.put("Cinbound|" + p + "||", XdsResource.of("inbound|" + p + "||", ListenerTranslator.inboundCluster(p))));
        Map<Integer, List<VirtualHost>> byPort = new TreeMap<>();
        for (MeshService s : registry.services()) {
            for (ServicePort p : s.ports()) {
                XdsResource rc = routes.get(s.hostname() + ":" + p.number());
                if (rc == null) {
                    continue;
                }
                try {
                    RouteConfiguration config = rc.any().unpack(RouteConfiguration.class);
                    VirtualHost.Builder vh = config.getVirtualHosts(0).toBuilder().clearDomains();
                    vh.setName(s.hostname() + ":" + p.number());
                    for (String d : domains(s, node.namespace())) {
                        vh.addDomains(d);
                        vh.addDomains(d + ":" + p.number());
                    }
                    byPort.computeIfAbsent(p.number(), x -> new ArrayList<>()).add(vh.build());
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        byPort.forEach((port, hosts) -> {
            out.put("L0.0.0.0_" + port, XdsResource.of("0.0.0.0_" + port, ListenerTranslator.outboundPort(port)));
            out.put("R" + port, XdsResource.of(String.valueOf(port), RouteConfiguration.newBuilder().setName(String.valueOf(port))
                    .addAllVirtualHosts(hosts).build()));
        });
        out.put("C" + ListenerTranslator.PASSTHROUGH, XdsResource.of(ListenerTranslator.PASSTHROUGH, Cluster.newBuilder()
                .setName(ListenerTranslator.PASSTHROUGH).setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED).build()));
        out.put("C" + ListenerTranslator.INBOUND_PASSTHROUGH, XdsResource.of(ListenerTranslator.INBOUND_PASSTHROUGH, Cluster.newBuilder()
                .setName(ListenerTranslator.INBOUND_PASSTHROUGH).setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .setUpstreamBindConfig(io.envoyproxy.envoy.config.core.v3.BindConfig.newBuilder()
                        .setSourceAddress(SocketAddress.newBuilder().setAddress("127.0.0.6").setPortValue(0))).build()));
        out.put("C" + ListenerTranslator.BLACKHOLE, XdsResource.of(ListenerTranslator.BLACKHOLE, Cluster.newBuilder()
                .setName(ListenerTranslator.BLACKHOLE).setType(Cluster.DiscoveryType.STATIC).build()));
        return out;
    }

    private static List<String> domains(MeshService s, String clientNamespace) {
        List<String> d = new ArrayList<>(List.of(s.hostname()));
        String ns = Hosts.namespaceOf(s.hostname());
        if (ns != null) {
            String shortName = Hosts.shortName(s.hostname());
            d.add(shortName + "." + ns);
            d.add(shortName + "." + ns + ".svc");
            if (ns.equals(clientNamespace)) {
                d.add(shortName);
            }
        }
        return d;
    }

    /** The configuration objects the named resources were translated from ({@code VirtualService default/reviews}). */
    public List<String> sourcesOf(String type, Collection<String> names) {
        Set<String> out = new TreeSet<>();
        for (String n : names) {
            String host = null;
            if (TypeUrls.ROUTE.equals(type) && n.lastIndexOf(':') > 0) {
                host = n.substring(0, n.lastIndexOf(':'));
            } else if (TypeUrls.CLUSTER.equals(type) || TypeUrls.ENDPOINT.equals(type)) {
                String[] parts = ClusterNames.parse(n);
                host = parts == null ? null : parts[3];
            }
            if (host == null) {
                continue;
            }
            if (TypeUrls.ROUTE.equals(type)) {
                virtualServicesFor(host).forEach(vs -> out.add("VirtualService " + vs.namespace() + "/" + vs.name()));
            } else {
                Optional<MeshService> s = registry.service(host);
                MeshObject dr = s.isPresent() ? destinationRuleFor(s.get()) : null;
                if (dr != null) {
                    out.add("DestinationRule " + dr.namespace() + "/" + dr.name());
                }
            }
        }
        return List.copyOf(out);
    }

    /** Full build for one node view: every route, cluster and endpoint assignment (used by the benchmark). */
    public int buildAll(ProxyNode node) {
        int n = 0;
        for (String c : clusterInputs.keySet()) {
            n += endpoints(c, node) != null ? 1 : 0;
        }
        return n + routes.size() + clusters.size();
    }
}
