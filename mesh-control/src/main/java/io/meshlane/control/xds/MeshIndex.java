package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * by each of their mesh hosts, DestinationRules by their host, Sidecars, ServiceEntries (for their exportTo)
 * and Namespaces by name. Istio's precedence lives here: VirtualServices of a host apply oldest first, a
 * client's DestinationRule comes from its own namespace, then the service's, then the root namespace, and a
 * client's Sidecar is the selecting one, then its namespace's, then the root's. Written on the translation
 * thread; read from any thread.
 */
final class MeshIndex {
    private final Map<String, MeshObject> virtualServices = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> vsByHost = new ConcurrentHashMap<>();
    private final Map<String, MeshObject> destinationRules = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> drByHost = new ConcurrentHashMap<>();
    private final Map<String, MeshObject> namespaces = new ConcurrentHashMap<>();
    private final WorkloadPolicies policies = new WorkloadPolicies();
    /** DestinationRule hosts that are wildcards ({@code *.example.com}, {@code *}): they cover other hosts. */
    private final Set<String> wildcardRuleHosts = ConcurrentHashMap.newKeySet();
    private final Map<String, MeshObject> sidecars = new ConcurrentHashMap<>();
    private final Map<String, MeshObject> serviceEntries = new ConcurrentHashMap<>();
    private final MeshDefaults defaults;

    MeshIndex() {
        this(MeshDefaults.defaults());
    }

    MeshIndex(MeshDefaults defaults) {
        this.defaults = defaults;
    }

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
        if (hostOf(dr).startsWith("*")) {
            wildcardRuleHosts.add(hostOf(dr));
        }
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
                        // a hostless delegate routes for the hosts of the roots that delegate to it
                        out.addAll(hostsDelegatingTo(key(vs)));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The DestinationRule in force for a service as a client in {@code clientNamespace} sees it, Istio's
     * precedence: the rules of the client's namespace, else those of the service's namespace exported to the
     * client, else those of the root namespace exported to it; rules of any other namespace never apply. In
     * the chosen namespace the most specific host wins (exact, then the longest wildcard) and several rules
     * for that host merge, oldest first: the first traffic policy and the union of subsets (an earlier
     * subset keeps its name). Null if none applies.
     */
    MeshObject destinationRuleFor(MeshService service, String clientNamespace) {
        String root = defaults.rootNamespace();
        MeshObject local = rules(clientNamespace, service.hostname(), clientNamespace, true);
        if (local != null) {
            return local;
        }
        MeshObject own = rules(service.namespace(), service.hostname(), clientNamespace, false);
        return own != null ? own : rules(root, service.hostname(), clientNamespace, false);
    }

    /** The shared choice: the rule a client in the service's own namespace gets. */
    MeshObject destinationRuleFor(MeshService service) {
        return destinationRuleFor(service, service.namespace());
    }

    /**
     * The merged rules of {@code namespace} for {@code host}: with {@code local}, those its own clients see
     * (every rule not exported away from it); otherwise those it exports beyond itself, kept only if
     * exported to {@code clientNamespace}.
     */
    private MeshObject rules(String namespace, String host, String clientNamespace, boolean local) {
        String bestHost = null;
        List<MeshObject> group = new ArrayList<>();
        for (MeshObject dr : candidates(host)) {
            if (!dr.namespace().equals(namespace)) {
                continue;
            }
            String h = hostOf(dr);
            if (!Hosts.matches(h, host)) {
                continue;
            }
            List<String> exportTo = Visibility.exportTo(dr, defaults.destinationRuleExportTo());
            boolean candidate = local ? Visibility.visible(exportTo, namespace, namespace) : !privateTo(exportTo, namespace);
            if (!candidate) {
                continue;
            }
            int cmp = bestHost == null ? 1 : Hosts.specificity(h) - Hosts.specificity(bestHost);
            if (cmp > 0) {
                bestHost = h;
                group.clear();
            }
            if (cmp >= 0) {
                group.add(dr);
            }
        }
        if (!local) {
            group.removeIf(dr -> !Visibility.visible(Visibility.exportTo(dr, defaults.destinationRuleExportTo()), namespace, clientNamespace));
        }
        if (group.isEmpty()) {
            return null;
        }
        group.sort(Comparator.comparing(MeshIndex::created).thenComparing(MeshIndex::key));
        return group.size() == 1 ? group.getFirst() : merged(group);
    }

    /** The rules whose host is {@code host} or a wildcard covering it. */
    private List<MeshObject> candidates(String host) {
        List<MeshObject> out = new ArrayList<>();
        for (String key : drByHost.getOrDefault(host, Set.of())) {
            Optional.ofNullable(destinationRules.get(key)).ifPresent(out::add);
        }
        for (String wildcard : wildcardRuleHosts) {
            if (Hosts.matches(wildcard, host)) {
                for (String key : drByHost.getOrDefault(wildcard, Set.of())) {
                    Optional.ofNullable(destinationRules.get(key)).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** Exported only to its own namespace ({@code .} or its name alone): no other namespace's client can see it. */
    private static boolean privateTo(List<String> exportTo, String namespace) {
        return exportTo.size() == 1 && (exportTo.getFirst().equals(".") || exportTo.getFirst().equals(namespace))
                || exportTo.equals(List.of("~"));
    }

    /** One rule from several for the same host, oldest first: the first traffic policy, every subset name once. */
    private static MeshObject merged(List<MeshObject> rules) {
        MeshObject first = rules.getFirst();
        ObjectNode object = first.object().deepCopy();
        ObjectNode spec = object.with("spec");
        ArrayNode subsets = spec.withArray("subsets");
        Set<String> names = new HashSet<>();
        subsets.forEach(x -> names.add(x.path("name").asText()));
        for (MeshObject dr : rules.subList(1, rules.size())) {
            if (!spec.has("trafficPolicy") && dr.spec().has("trafficPolicy")) {
                spec.set("trafficPolicy", dr.spec().path("trafficPolicy").deepCopy());
            }
            for (JsonNode subset : dr.spec().path("subsets")) {
                if (names.add(subset.path("name").asText())) {
                    subsets.add(subset.deepCopy());
                }
            }
        }
        return new MeshObject(first.kind(), first.namespace(), first.name(), object, first.revision());
    }

    void putSidecar(MeshObject sidecar) {
        sidecars.put(key(sidecar), sidecar);
    }

    void removeSidecar(String key) {
        sidecars.remove(key);
    }

    /**
     * The Sidecar that scopes a client, Istio's choice: in its namespace the oldest whose workloadSelector
     * matches its labels, else the oldest there without a selector, else the root namespace's oldest without
     * a selector; null when none (the client sees every service exported to its namespace).
     */
    MeshObject sidecarFor(String namespace, Map<String, String> labels) {
        MeshObject selected = null;
        MeshObject namespaceDefault = null;
        MeshObject rootDefault = null;
        List<MeshObject> ordered = new ArrayList<>(sidecars.values());
        ordered.sort(Comparator.comparing(MeshIndex::created).thenComparing(MeshIndex::key));
        for (MeshObject sc : ordered) {
            JsonNode selector = sc.spec().path("workloadSelector").path("labels");
            boolean hasSelector = selector.isObject() && !selector.isEmpty();
            if (sc.namespace().equals(namespace) && hasSelector && selected == null && selects(selector, labels)) {
                selected = sc;
            } else if (sc.namespace().equals(namespace) && !hasSelector && namespaceDefault == null) {
                namespaceDefault = sc;
            } else if (sc.namespace().equals(defaults.rootNamespace()) && !hasSelector && rootDefault == null) {
                rootDefault = sc;
            }
        }
        return selected != null ? selected : namespaceDefault != null ? namespaceDefault : rootDefault;
    }

    private static boolean selects(JsonNode selector, Map<String, String> labels) {
        for (var it = selector.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    void putServiceEntry(MeshObject se) {
        serviceEntries.put(key(se), se);
    }

    void removeServiceEntry(String key) {
        serviceEntries.remove(key);
    }

    /**
     * Whether a client in {@code clientNamespace} may see a registry service: a ServiceEntry's by its
     * exportTo, a Kubernetes service's by the mesh-wide default.
     */
    boolean serviceVisible(MeshService service, String clientNamespace) {
        if (service.source().startsWith("serviceentry/")) {
            MeshObject se = serviceEntries.get(service.source().substring("serviceentry/".length()));
            if (se != null) {
                return Visibility.visible(Visibility.exportTo(se, defaults.serviceExportTo()), se.namespace(), clientNamespace);
            }
        }
        return Visibility.visible(defaults.serviceExportTo(), service.namespace(), clientNamespace);
    }

    MeshDefaults defaults() {
        return defaults;
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
