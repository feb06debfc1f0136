package io.meshlane.control.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.BindConfig;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.meshlane.control.registry.Hosts;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resources as one kind of node sees them, built on demand from the {@link ResourceCache} and kept
 * per view ({@link ProxyNode#viewKey()}): only the hosts in the node's {@link ClientScopes scope} (its
 * Sidecar, exportTo), its namespace's DestinationRules and its own source matches; proxyless listener aliases resolved in the node's namespace,
 * endpoint priorities relative to its locality, and a sidecar's listeners, port routes and static
 * clusters (which also depend on its own address). A cache change drops the views it makes stale before
 * it is pushed. Reads are thread-safe.
 */
final class NodeViews implements XdsSnapshot {
    private final ServiceRegistry registry;
    private final ResourceCache cache;
    private final MeshIndex index;
    private final Map<String, Map<String, XdsResource>> endpointViews = new ConcurrentHashMap<>();
    private final Map<String, Map<String, XdsResource>> sidecarViews = new ConcurrentHashMap<>();
    /** The listener name prefix of proxyless gRPC servers (gRFC A36's default template, as Istio's bootstrap sets it). */
    static final String SERVER_LISTENER = "grpc/server?xds.resource.listening_address=";
    /** A scope's wildcard cluster list (by scope key): the clusters of the hosts it sees. */
    private final Map<String, Map<String, XdsResource>> clusterLists = new ConcurrentHashMap<>();
    private final ClientScopes scopes;

    NodeViews(ServiceRegistry registry, ResourceCache cache, MeshIndex index) {
        this.registry = registry;
        this.cache = cache;
        this.index = index;
        this.scopes = new ClientScopes(registry, index);
    }

    /**
     * Drops what {@code change} made stale: every scope, sidecar view and cluster list, and the endpoint
     * assignments of the changed clusters' hosts (a client namespace's DestinationRule may name other subsets).
     */
    void invalidate(XdsChange change) {
        scopes.invalidate();
        sidecarViews.clear();
        clusterLists.clear();
        Set<String> hosts = new java.util.HashSet<>();
        for (String n : change.names.getOrDefault(TypeUrls.ENDPOINT, Set.of())) {
            String[] parts = ClusterNames.parse(n);
            if (parts != null) {
                hosts.add(parts[3]);
            }
        }
        if (!hosts.isEmpty() || change.wholeTypes.contains(TypeUrls.ENDPOINT)) {
            boolean all = change.wholeTypes.contains(TypeUrls.ENDPOINT);
            for (Map<String, XdsResource> view : endpointViews.values()) {
                view.keySet().removeIf(c -> {
                    String[] parts = ClusterNames.parse(c);
                    return all || parts == null || hosts.contains(parts[3]);
                });
            }
        }
    }

    /** The service host a route ({@code host:port}) or cluster name is for; null for the sidecar's own names. */
    private static String hostOf(String type, String name) {
        if (TypeUrls.ROUTE.equals(type)) {
            int colon = name.lastIndexOf(':');
            return colon > 0 ? name.substring(0, colon) : null;
        }
        String[] parts = ClusterNames.parse(name);
        return parts == null ? null : parts[3];
    }

    @Override
    public XdsResource resolve(String type, String name, ProxyNode node) {
        return switch (type) {
            case TypeUrls.LISTENER -> node.type() != ProxyNode.Type.PROXYLESS ? sidecar(node).get("L" + name)
                    : name.startsWith(SERVER_LISTENER) ? serverListener(name, node) : apiListener(name, node);
            case TypeUrls.ROUTE -> {
                String host = hostOf(type, name);
                if (host != null && !scopes.of(node).sees(host)) {
                    yield null;
                }
                XdsResource r = cache.route(name, node.namespace(), node.labels());
                yield r != null ? r : node.type() != ProxyNode.Type.PROXYLESS ? sidecar(node).get("R" + name) : null;
            }
            case TypeUrls.CLUSTER -> {
                String host = hostOf(type, name);
                if (host != null) {
                    yield scopes.of(node).sees(host) ? cache.cluster(name, node.namespace()) : null;
                }
                yield node.type() != ProxyNode.Type.PROXYLESS ? sidecar(node).get("C" + name) : null;
            }
            case TypeUrls.ENDPOINT -> {
                String host = hostOf(TypeUrls.CLUSTER, name);
                yield host != null && scopes.of(node).sees(host) ? endpoints(name, node) : null;
            }
            default -> null;
        };
    }

    @Override
    public Collection<XdsResource> wildcard(String type, ProxyNode node) {
        Map<String, XdsResource> out = new TreeMap<>();
        if (TypeUrls.CLUSTER.equals(type)) {
            ClientScopes.Scope scope = scopes.of(node);
            out.putAll(clusterLists.computeIfAbsent(scope.key(), k -> {
                Map<String, XdsResource> list = new TreeMap<>();
                scope.hosts().forEach(h -> list.putAll(cache.clustersOf(h, scope.namespace())));
                return list;
            }));
            if (node.type() != ProxyNode.Type.PROXYLESS) {
                sidecar(node).forEach((k, v) -> {
                    if (k.startsWith("C")) {
                        out.put(k.substring(1), v);
                    }
                });
            }
        } else if (TypeUrls.LISTENER.equals(type)) {
            if (node.type() != ProxyNode.Type.PROXYLESS) {
                sidecar(node).forEach((k, v) -> {
                    if (k.startsWith("L")) {
                        out.put(k.substring(1), v);
                    }
                });
            } else {
                ClientScopes.Scope scope = scopes.of(node);
                for (String r : cache.routes().keySet()) {
                    if (scope.sees(hostOf(TypeUrls.ROUTE, r))) {
                        out.put(r, apiListener(r, node));
                    }
                }
            }
        }
        return out.values();
    }

    /**
     * A proxyless gRPC server's Listener ({@code grpc/server?xds.resource.listening_address=<host>:<port>}, the name
     * grpc-java's {@code server_listener_resource_name_template} makes): the RBAC of the AuthorizationPolicies
     * selecting the server's labels, and mTLS when its PeerAuthentication is STRICT for the port.
     */
    private XdsResource serverListener(String name, ProxyNode node) {
        String address = name.substring(SERVER_LISTENER.length());
        int colon = address.lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return null;
        }
        String host = address.substring(0, colon).replace("[", "").replace("]", "");
        WorkloadPolicies policies = index.policies();
        AuthorizationRules rules = AuthorizationRules.of(
                policies.forWorkload(WorkloadPolicies.AUTHORIZATION_POLICY, node.namespace(), node.labels()), false);
        InboundTls.Mode mode = InboundTls.mode(policies.forWorkload(WorkloadPolicies.PEER_AUTHENTICATION, node.namespace(), node.labels()),
                node.namespace(), port);
        return XdsResource.of(name, ListenerTranslator.serverListener(name, host, port, rules.httpFilters(), mode == InboundTls.Mode.STRICT));
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
        if (service.isEmpty() || service.get().ports().isEmpty() || !scopes.of(node).sees(fqdn)) {
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
        ResourceCache.ClusterInput input = cache.clusterInput(cluster, node.namespace());
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
        // sidecar and gateway views also depend on the proxy's own address (its inbound ports), its scope and its
        // labels (source matches, its policies)
        return sidecarViews.computeIfAbsent(node.viewKey() + "|" + node.ip() + "|" + scopes.of(node).key() + "|" + new TreeMap<>(node.labels()),
                k -> node.type() == ProxyNode.Type.ROUTER ? buildGateway(node) : buildSidecar(node));
    }

    /** A gateway proxy's listeners and routes from the Gateways selecting it, and the outbound clusters' black hole. */
    private Map<String, XdsResource> buildGateway(ProxyNode node) {
        Map<String, List<MeshObject>> bound = new java.util.HashMap<>();
        List<MeshObject> gateways = new ArrayList<>();
        for (MeshObject g : index.policies().gatewaysFor(node.labels())) {
            try {
                Map<String, List<MeshObject>> vss = Map.of(MeshIndex.key(g), index.virtualServicesForGateway(g));
                GatewayTranslator.translate(List.of(g), vss, cache::gatewayRoutes);
                gateways.add(g);
                bound.putAll(vss);
            } catch (TranslationException e) {
                java.util.logging.Logger.getLogger(NodeViews.class.getName()).warning("gateway " + node.id() + " skips " + e.getMessage());
            }
        }
        Map<String, XdsResource> out = new LinkedHashMap<>(GatewayTranslator.translate(gateways, bound, cache::gatewayRoutes));
        out.put("C" + ListenerTranslator.BLACKHOLE, XdsResource.of(ListenerTranslator.BLACKHOLE, Cluster.newBuilder()
                .setName(ListenerTranslator.BLACKHOLE).setType(Cluster.DiscoveryType.STATIC).build()));
        return out;
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
        Map<Integer, Integer> targets = new TreeMap<>();
        ownPorts.keySet().forEach(p -> targets.put(p, p));
        List<SidecarIngress.Port> ingress = SidecarIngress.of(index.sidecarFor(node.namespace(), node.labels()));
        if (!ingress.isEmpty()) {
            // a Sidecar's ingress listeners replace the ports its services imply
            ownPorts.clear();
            targets.clear();
            ingress.forEach(p -> {
                ownPorts.put(p.number(), p.http());
                targets.put(p.number(), p.targetPort());
            });
        }
        WorkloadPolicies policies = index.policies();
        List<MeshObject> authz = policies.forWorkload(WorkloadPolicies.AUTHORIZATION_POLICY, node.namespace(), node.labels());
        List<MeshObject> peers = policies.forWorkload(WorkloadPolicies.PEER_AUTHENTICATION, node.namespace(), node.labels());
        ListenerTranslator.InboundPolicy inbound = new ListenerTranslator.InboundPolicy(port -> InboundTls.mode(peers, node.namespace(), port),
                AuthorizationRules.of(authz, false), AuthorizationRules.of(authz, true));
        out.put("LvirtualInbound", XdsResource.of("virtualInbound", ListenerTranslator.virtualInbound(ownPorts, inbound)));
        targets.forEach((p, target) -> out.put("Cinbound|" + p + "||",
                XdsResource.of("inbound|" + p + "||", ListenerTranslator.inboundCluster(p, target))));
        Map<Integer, List<VirtualHost>> byPort = new TreeMap<>();
        ClientScopes.Scope scope = scopes.of(node);
        for (MeshService s : registry.services()) {
            if (!scope.sees(s.hostname())) {
                continue;
            }
            for (ServicePort p : s.ports()) {
                XdsResource rc = cache.route(s.hostname() + ":" + p.number(), node.namespace(), node.labels());
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
                .setUpstreamBindConfig(BindConfig.newBuilder()
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

    @Override
    public List<String> sourcesOf(String type, Collection<String> names) {
        return index.sourcesOf(type, names, registry);
    }

    /** Full build for one node view: every route, cluster and endpoint assignment (used by the benchmark). */
    int buildAll(ProxyNode node) {
        int n = 0;
        for (String c : cache.clusterNames()) {
            n += endpoints(c, node) != null ? 1 : 0;
        }
        return n + cache.routes().size() + cache.clusters().size();
    }
}
