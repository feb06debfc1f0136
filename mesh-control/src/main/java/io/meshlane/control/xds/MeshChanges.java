package io.meshlane.control.xds;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.meshlane.control.mesh.GatewayBinding;
import io.meshlane.control.registry.IstioRegistryFeed;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServiceRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Applies each change of the hosted configuration or the registry: checks it, indexes it
 * ({@link MeshIndex}) and has the {@link ResourceCache} retranslate the hosts it touches. A VirtualService
 * is translated once per port of each host it configures, before it is committed; a VirtualService or
 * DestinationRule the translator refuses goes to the {@link RejectionLog} and its last good version stays in
 * force. Before the initial listing is complete ({@link #synced()}) objects are only checked and indexed.
 * Runs on one thread (the caller's).
 */
final class MeshChanges {
    private static final Logger LOG = Logger.getLogger(MeshChanges.class.getName());
    /** The condition type that says whether a Gateway's selector matches a workload. */
    static final String GATEWAY_SELECTED = "WorkloadSelected";

    private final ServiceRegistry registry;
    private final IstioRegistryFeed feed;
    private final MeshIndex index;
    private final Lanes lanes;
    private final ResourceCache cache;
    private final RejectionLog rejections;
    private final LaneCoverage laneCoverage;
    private boolean synced;
    /** Whether each Gateway's selector matched a workload when last told, so a registry change tells only flips. */
    private final Map<String, Boolean> gatewaySelected = new HashMap<>();

    MeshChanges(ServiceRegistry registry, MeshIndex index, Lanes lanes, ResourceCache cache, RejectionLog rejections,
            LaneCoverage laneCoverage) {
        this.laneCoverage = laneCoverage;
        this.registry = registry;
        this.lanes = lanes;
        this.feed = new IstioRegistryFeed(registry);
        this.index = index;
        this.cache = cache;
        this.rejections = rejections;
    }

    void upsert(MeshObject o) {
        switch (o.kind()) {
            case MeshObject.VIRTUAL_SERVICE -> applyVirtualService(o);
            case MeshObject.DESTINATION_RULE -> applyDestinationRule(o);
            case MeshObject.SERVICE_ENTRY, MeshObject.WORKLOAD_ENTRY -> {
                try {
                    feed.apply(o.kind(), o.object());
                } catch (RuntimeException e) {
                    rejections.reject(o, e.getMessage());
                    return;
                }
                if (o.kind().equals(MeshObject.SERVICE_ENTRY)) {
                    index.putServiceEntry(o);
                    scopeChanged(); // its exportTo may have changed without its services
                }
            }
            case MeshObject.SIDECAR -> {
                index.putSidecar(o);
                scopeChanged();
            }
            case MeshObject.NAMESPACE -> index.putNamespace(o);
            case WorkloadPolicies.AUTHORIZATION_POLICY, WorkloadPolicies.PEER_AUTHENTICATION, WorkloadPolicies.GATEWAY -> applyPolicy(o);
            case MeshObject.TEST_LANE -> {
                Set<String> hosts;
                try {
                    hosts = lanes.put(o);
                } catch (RuntimeException e) {
                    rejections.reject(o, e.getMessage());
                    return;
                }
                laneCoverage.observed(o);
                if (synced) {
                    cache.retranslate(hosts, ResourceCache.Part.ALL);
                    laneCoverage.check(lanes);
                }
            }
            default -> LOG.fine("ignoring kind " + o.kind());
        }
    }

    /**
     * An object read only by per-node views: checked (a refused one keeps its last good version in force), indexed,
     * and every view re-checked.
     */
    private void applyPolicy(MeshObject o) {
        try {
            switch (o.kind()) {
                case WorkloadPolicies.AUTHORIZATION_POLICY -> AuthorizationRules.validate(o);
                case WorkloadPolicies.PEER_AUTHENTICATION -> InboundTls.validate(o);
                default -> GatewayTranslator.translate(List.of(o), Map.of(MeshIndex.key(o), index.virtualServicesForGateway(o)),
                        cache::gatewayRoutes);
            }
        } catch (RuntimeException e) {
            rejections.reject(o, e.getMessage());
            return;
        }
        index.policies().put(o);
        if (synced) {
            cache.viewsChanged();
            if (o.kind().equals(WorkloadPolicies.GATEWAY)) {
                gatewaySelected.remove(MeshIndex.key(o)); // a new version may have lost the condition written on the old one
                checkGatewaySelectors(List.of(o));
            }
        }
    }

    /**
     * Says on each Gateway whether its selector matches a registered workload: one that matches none serves no
     * proxy, and Istio's analysers report it the same way.
     */
    private void checkGatewaySelectors(List<MeshObject> gateways) {
        for (MeshObject g : gateways) {
            var selector = g.spec().path("selector");
            boolean found = registry.services().stream().flatMap(s -> registry.endpoints(s.hostname()).stream())
                    .anyMatch(e -> WorkloadPolicies.matches(selector, e.labels()));
            if (Boolean.valueOf(found).equals(gatewaySelected.put(MeshIndex.key(g), found))) {
                continue;
            }
            rejections.notice(new RejectionLog.Notice(g.kind(), g.namespace(), g.name(), GATEWAY_SELECTED,
                    found ? "WorkloadSelected" : "NoWorkloadSelected",
                    found ? null : "spec.selector " + selector + " matches no workload the mesh knows; no gateway proxy serves this Gateway"
                            + " until one with these labels runs (check the labels of the ingress gateway's pods)"));
        }
    }

    void delete(String kind, String namespace, String name, long revision) {
        String key = namespace + "/" + name;
        switch (kind) {
            case MeshObject.VIRTUAL_SERVICE -> {
                MeshObject old = index.removeVirtualService(key);
                if (old != null && synced) {
                    Set<String> hosts = new HashSet<>(MeshIndex.hostsOf(old));
                    hosts.addAll(index.hostsDelegatingTo(key));
                    cache.retranslate(hosts, ResourceCache.Part.ROUTES);
                    if (GatewayBinding.bindsGateways(old.spec())) {
                        cache.viewsChanged();
                    }
                }
            }
            case MeshObject.DESTINATION_RULE -> {
                MeshObject old = index.removeDestinationRule(key);
                if (old != null && synced) {
                    Set<String> hosts = coveredBy(MeshIndex.hostOf(old));
                    cache.retranslate(hosts, ResourceCache.Part.CLUSTERS);
                    retranslateHashKeys(hosts, old);
                }
            }
            case MeshObject.SERVICE_ENTRY, MeshObject.WORKLOAD_ENTRY -> {
                feed.delete(kind, namespace, name);
                if (kind.equals(MeshObject.SERVICE_ENTRY)) {
                    index.removeServiceEntry(key);
                    scopeChanged();
                }
            }
            case MeshObject.SIDECAR -> {
                index.removeSidecar(key);
                scopeChanged();
            }
            case MeshObject.NAMESPACE -> index.removeNamespace(name);
            case WorkloadPolicies.AUTHORIZATION_POLICY, WorkloadPolicies.PEER_AUTHENTICATION, WorkloadPolicies.GATEWAY -> {
                gatewaySelected.remove(key);
                if (index.policies().remove(kind, key) != null && synced) {
                    cache.viewsChanged();
                }
            }
            case MeshObject.TEST_LANE -> {
                Set<String> hosts = lanes.remove(namespace, name);
                laneCoverage.forget(namespace, name);
                if (synced) {
                    cache.retranslate(hosts, ResourceCache.Part.ALL);
                }
            }
            default -> { }
        }
    }

    private void scopeChanged() {
        if (synced) {
            cache.scopeChanged();
        }
    }

    /** The initial configuration is in: translate everything once. */
    void synced() {
        synced = true;
        Set<String> hosts = new TreeSet<>(cache.hosts());
        registry.services().forEach(s -> hosts.add(s.hostname()));
        cache.retranslate(hosts, ResourceCache.Part.ALL);
        checkGatewaySelectors(index.policies().gateways());
        laneCoverage.check(lanes);
    }

    /** Registry hosts changed (services or endpoints). */
    void registryChanged(Set<String> hosts) {
        if (synced) {
            cache.retranslate(hosts, ResourceCache.Part.ALL);
            checkGatewaySelectors(index.policies().gateways());
            laneCoverage.check(lanes);
        }
    }

    /**
     * A VirtualService configures its own hosts and, when it is a delegate, the hosts of the roots that
     * delegate to it; one with no host yet (a delegate nobody names, or one bound only to gateways) is kept
     * for later.
     */
    private void applyVirtualService(MeshObject vs) {
        String key = MeshIndex.key(vs);
        MeshObject old = index.putVirtualService(vs);
        Set<String> hosts = new HashSet<>(MeshIndex.hostsOf(vs));
        hosts.addAll(index.hostsDelegatingTo(key));
        // the routes of each known host's ports, translated with the new object before it is committed
        Map<String, Map<String, RouteConfiguration>> translated = new HashMap<>();
        try {
            for (String host : hosts) {
                Optional<MeshService> service = synced ? registry.service(host) : Optional.empty();
                if (service.isPresent() && !service.get().ports().isEmpty()) {
                    translated.put(host, cache.translateRoutes(service.get()));
                } else {
                    cache.validate(vs, host);
                }
            }
            if (GatewayBinding.bindsGateways(vs.spec())) {
                cache.validate(vs, "gateway");
            }
        } catch (RuntimeException e) {
            if (old != null) {
                index.putVirtualService(old);
            } else {
                index.removeVirtualService(key);
            }
            rejections.reject(vs, e.getMessage());
            return;
        }
        Set<String> touched = new HashSet<>(hosts);
        if (old != null) {
            touched.addAll(MeshIndex.hostsOf(old));
        }
        if (synced) {
            cache.retranslate(touched, ResourceCache.Part.ROUTES, translated);
        }
        if (synced && (GatewayBinding.bindsGateways(vs.spec()) || old != null && GatewayBinding.bindsGateways(old.spec()))) {
            cache.viewsChanged();
        }
    }

    private void applyDestinationRule(MeshObject dr) {
        String key = MeshIndex.key(dr);
        MeshObject old = index.destinationRule(key);
        try {
            if (dr.spec().path("host").asText("").isBlank()) {
                throw new TranslationException("DestinationRule " + key + " spec.host: Required value");
            }
            cache.validate(dr);
        } catch (RuntimeException e) {
            rejections.reject(dr, e.getMessage());
            return;
        }
        index.putDestinationRule(dr);
        Set<String> hosts = coveredBy(MeshIndex.hostOf(dr));
        if (old != null) {
            hosts.addAll(coveredBy(MeshIndex.hostOf(old)));
        }
        if (synced) {
            cache.retranslate(hosts, ResourceCache.Part.CLUSTERS);
            retranslateHashKeys(hosts, dr, old);
        }
    }

    /** The registry hosts a DestinationRule host names: itself, or every host its wildcard covers. */
    private Set<String> coveredBy(String ruleHost) {
        Set<String> hosts = new HashSet<>(Set.of(ruleHost));
        if (ruleHost.startsWith("*")) {
            registry.services().stream().map(MeshService::hostname).filter(h -> io.meshlane.control.registry.Hosts.matches(ruleHost, h))
                    .forEach(hosts::add);
        }
        return hosts;
    }

    /** A consistent hash's key lives on the routes to its host: retranslate those when a rule with one changes. */
    private void retranslateHashKeys(Set<String> drHosts, MeshObject... rules) {
        boolean hashing = false;
        for (MeshObject rule : rules) {
            hashing |= rule != null && ConsistentHash.usedBy(rule.spec());
        }
        if (hashing) {
            cache.retranslate(index.hostsRoutingTo(drHosts), ResourceCache.Part.ROUTES);
        }
    }
}
