package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlane.control.mesh.GatewayBinding;
import io.meshlane.control.registry.Hosts;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hosted mesh inputs the translators read, indexed by the service host they configure: VirtualServices
 * by each of their mesh hosts, DestinationRules by their host, and Namespaces by name. Istio's precedence
 * lives here: VirtualServices of a host apply oldest first, and a host's DestinationRule is the one in the
 * service's namespace, else the oldest. Written on the translation thread; read from any thread.
 */
final class MeshIndex {
    private final Map<String, MeshObject> virtualServices = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> vsByHost = new ConcurrentHashMap<>();
    private final Map<String, MeshObject> destinationRules = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> drByHost = new ConcurrentHashMap<>();
    private final Map<String, MeshObject> namespaces = new ConcurrentHashMap<>();
    private final WorkloadPolicies policies = new WorkloadPolicies();

    /** AuthorizationPolicies, PeerAuthentications and Gateways, chosen per workload. */
    WorkloadPolicies policies() {
        return policies;
    }

    /** The VirtualServices bound to a Gateway, in the order their routes apply (oldest first). */
    List<MeshObject> virtualServicesForGateway(MeshObject gateway) {
        List<MeshObject> list = new ArrayList<>();
        for (MeshObject vs : virtualServices.values()) {
            if (GatewayBinding.boundTo(vs.spec(), vs.namespace(), gateway.namespace(), gateway.name())) {
                list.add(vs);
            }
        }
        list.sort(Comparator.comparing(MeshIndex::created).thenComparing(MeshIndex::key));
        return list;
    }

    static String key(MeshObject o) {
        return o.namespace() + "/" + o.name();
    }

    MeshObject virtualService(String key) {
        return virtualServices.get(key);
    }

    /** Adds or replaces a VirtualService; returns the version it replaced, or null. */
    MeshObject putVirtualService(MeshObject vs) {
        String key = key(vs);
        MeshObject old = removeVirtualService(key);
        virtualServices.put(key, vs);
        for (String h : hostsOf(vs)) {
            vsByHost.computeIfAbsent(h, x -> ConcurrentHashMap.newKeySet()).add(key);
        }
        return old;
    }

    MeshObject removeVirtualService(String key) {
        MeshObject old = virtualServices.remove(key);
        if (old != null) {
            for (String h : hostsOf(old)) {
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

    MeshObject destinationRule(String key) {
        return destinationRules.get(key);
    }

    void putDestinationRule(MeshObject dr) {
        String key = key(dr);
        removeDestinationRule(key);
        destinationRules.put(key, dr);
        drByHost.computeIfAbsent(hostOf(dr), x -> ConcurrentHashMap.newKeySet()).add(key);
    }

    MeshObject removeDestinationRule(String key) {
        MeshObject old = destinationRules.remove(key);
        if (old != null) {
            Set<String> keys = drByHost.get(hostOf(old));
            if (keys != null) {
                keys.remove(key);
            }
        }
        return old;
    }

    void putNamespace(MeshObject namespace) {
        namespaces.put(namespace.name(), namespace);
    }

    void removeNamespace(String name) {
        namespaces.remove(name);
    }

    Optional<MeshObject> namespace(String name) {
        return Optional.ofNullable(namespaces.get(name));
    }

    /** The service hosts a VirtualService routes for: none when it is bound only to gateways, not to the mesh. */
    static Set<String> hostsOf(MeshObject vs) {
        Set<String> hosts = new HashSet<>();
        if (!GatewayBinding.appliesToMesh(vs.spec())) {
            return hosts;
        }
        for (JsonNode h : vs.spec().path("hosts")) {
            hosts.add(Hosts.fqdn(h.asText(), vs.namespace()));
        }
        return hosts;
    }

    static String hostOf(MeshObject dr) {
        return Hosts.fqdn(dr.spec().path("host").asText(), dr.namespace());
    }

    private static String created(MeshObject o) {
        return o.object().path("metadata").path("creationTimestamp").asText("");
    }

    /** The VirtualServices of a host in the order their routes apply: oldest first, then by namespace/name. */
    List<MeshObject> virtualServicesFor(String host) {
        List<MeshObject> list = new ArrayList<>();
        for (String key : vsByHost.getOrDefault(host, Set.of())) {
            MeshObject vs = virtualServices.get(key);
            if (vs != null) {
                list.add(vs);
            }
        }
        list.sort(Comparator.comparing(MeshIndex::created).thenComparing(MeshIndex::key));
        return list;
    }

    /** The hosts of the VirtualServices with a route that delegates to the VirtualService {@code key} (namespace/name). */
    Set<String> hostsDelegatingTo(String key) {
        Set<String> out = new TreeSet<>();
        for (MeshObject vs : virtualServices.values()) {
            for (JsonNode http : vs.spec().path("http")) {
                JsonNode ref = http.path("delegate");
                if (ref.isObject() && key.equals(ref.path("namespace").asText(vs.namespace()) + "/" + ref.path("name").asText())) {
                    out.addAll(hostsOf(vs));
                }
            }
        }
        return out;
    }

    /**
     * The hosts whose routes send traffic to any of {@code targets}: the targets themselves (their default
     * route) and the hosts of every VirtualService with a destination among them.
     */
    Set<String> hostsRoutingTo(Set<String> targets) {
        Set<String> out = new TreeSet<>(targets);
        for (MeshObject vs : virtualServices.values()) {
            for (JsonNode http : vs.spec().path("http")) {
                for (JsonNode route : http.path("route")) {
                    if (targets.contains(Hosts.fqdn(route.path("destination").path("host").asText(""), vs.namespace()))) {
                        out.addAll(hostsOf(vs));
                    }
                }
            }
        }
        return out;
    }

    /** The DestinationRule in force for a service: one in its own namespace wins, else the oldest; null if none. */
    MeshObject destinationRuleFor(MeshService service) {
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

    /** The configuration objects the named resources were translated from ({@code VirtualService default/reviews}). */
    List<String> sourcesOf(String type, Collection<String> names, ServiceRegistry registry) {
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
                virtualServicesFor(host).forEach(vs -> out.add("VirtualService " + key(vs)));
            } else {
                Optional<MeshService> s = registry.service(host);
                MeshObject dr = s.isPresent() ? destinationRuleFor(s.get()) : null;
                if (dr != null) {
                    out.add("DestinationRule " + key(dr));
                }
            }
        }
        return List.copyOf(out);
    }
}
