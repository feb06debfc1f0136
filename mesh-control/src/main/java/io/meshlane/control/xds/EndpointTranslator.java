package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.registry.MeshEndpoint;
import io.meshlane.control.registry.ServicePort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * ClusterLoadAssignments relative to the requesting node's locality, following Istio's localityLbSetting:
 * <ul>
 *   <li>{@code distribute}: the first rule whose {@code from} matches the node sets locality weights
 *       (split among a pattern's localities by endpoint count); all at priority 0;</li>
 *   <li>{@code failoverPriority}: priority = how many of the listed labels, from the end, do not match the
 *       node's (topology labels come from localities and networks);</li>
 *   <li>otherwise (Istio's default, with {@code failover}): priority 0 same region/zone/subzone, 1 same
 *       zone, 2 same region, then the {@code failover.to} region of the node's region, then the rest.</li>
 * </ul>
 * As in Istio, failover priorities apply only with outlier detection configured; without it, or with
 * {@code enabled: false}, or for a node of unknown locality, every locality is at priority 0.
 * Unhealthy endpoints are sent with {@code UNHEALTHY} status so clients skip them.
 */
final class EndpointTranslator {
    static final String REGION = "topology.kubernetes.io/region";
    static final String ZONE = "topology.kubernetes.io/zone";
    static final String SUBZONE = "topology.istio.io/subzone";
    static final String NETWORK = "topology.istio.io/network";

    static ClusterLoadAssignment assignment(String clusterName, ServicePort port, Map<String, String> subsetLabels,
                                            JsonNode policy, List<MeshEndpoint> endpoints, ProxyNode node) {
        List<MeshEndpoint> selected = new ArrayList<>();
        for (MeshEndpoint e : endpoints) {
            if (Lanes.selects(subsetLabels, e.labels())) {
                selected.add(e);
            }
        }
        JsonNode setting = policy.path("loadBalancer").path("localityLbSetting");
        boolean enabled = setting.path("enabled").asBoolean(true);
        boolean known = node != null && !node.locality().equals(Locality.UNKNOWN);
        // locality -> priority -> endpoints
        Map<String, Map<Integer, List<MeshEndpoint>>> groups = new TreeMap<>();
        Map<String, Locality> localities = new HashMap<>();
        Map<String, Integer> localityWeights = null;
        for (MeshEndpoint e : selected) {
            int priority = 0;
            if (enabled && known && policy.path("outlierDetection").isObject() && !setting.has("distribute")) {
                priority = setting.path("failoverPriority").isArray() && !setting.path("failoverPriority").isEmpty()
                        ? labelPriority(setting.path("failoverPriority"), node, e)
                        : localityPriority(setting.path("failover"), node.locality(), e.locality());
            }
            String lk = e.locality().toString();
            localities.put(lk, e.locality());
            groups.computeIfAbsent(lk, k -> new TreeMap<>()).computeIfAbsent(priority, k -> new ArrayList<>()).add(e);
        }
        if (enabled && known && setting.has("distribute")) {
            localityWeights = distribute(setting.path("distribute"), node.locality(), groups, localities);
        }
        // compact priorities to 0..n
        TreeSet<Integer> used = new TreeSet<>();
        groups.values().forEach(m -> used.addAll(m.keySet()));
        Map<Integer, Integer> compact = new HashMap<>();
        int next = 0;
        for (int p : used) {
            compact.put(p, next++);
        }
        ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(clusterName);
        for (var g : groups.entrySet()) {
            Locality loc = localities.get(g.getKey());
            for (var byPriority : g.getValue().entrySet()) {
                int weight = 0;
                LocalityLbEndpoints.Builder lle = LocalityLbEndpoints.newBuilder()
                        .setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                                .setRegion(loc.region()).setZone(loc.zone()).setSubZone(loc.subzone()))
                        .setPriority(compact.get(byPriority.getKey()));
                for (MeshEndpoint e : byPriority.getValue()) {
                    lle.addLbEndpoints(LbEndpoint.newBuilder()
                            .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                                    SocketAddress.newBuilder().setAddress(e.address()).setPortValue(e.portFor(port)))))
                            .setHealthStatus(e.healthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
                            .setLoadBalancingWeight(UInt32Value.of(e.weight())));
                    weight += e.healthy() ? e.weight() : 0;
                }
                if (localityWeights != null) {
                    Integer w = localityWeights.get(g.getKey());
                    if (w == null || w == 0) {
                        continue;
                    }
                    weight = w;
                }
                lle.setLoadBalancingWeight(UInt32Value.of(Math.max(weight, 1)));
                cla.addEndpoints(lle);
            }
        }
        return cla.build();
    }

    private static int localityPriority(JsonNode failover, Locality node, Locality ep) {
        if (!node.region().equals(ep.region())) {
            for (JsonNode f : failover) {
                if (node.region().equals(f.path("from").asText()) && ep.region().equals(f.path("to").asText())) {
                    return 3;
                }
            }
            return 4;
        }
        if (!node.zone().equals(ep.zone())) {
            return 2;
        }
        return node.subzone().equals(ep.subzone()) ? 0 : 1;
    }

    private static int labelPriority(JsonNode keys, ProxyNode node, MeshEndpoint e) {
        Map<String, String> nodeLabels = new HashMap<>(node.labels());
        nodeLabels.putIfAbsent(REGION, node.locality().region());
        nodeLabels.putIfAbsent(ZONE, node.locality().zone());
        nodeLabels.putIfAbsent(SUBZONE, node.locality().subzone());
        nodeLabels.putIfAbsent(NETWORK, node.network());
        Map<String, String> epLabels = new HashMap<>(e.labels());
        epLabels.putIfAbsent(REGION, e.locality().region());
        epLabels.putIfAbsent(ZONE, e.locality().zone());
        epLabels.putIfAbsent(SUBZONE, e.locality().subzone());
        epLabels.putIfAbsent(NETWORK, e.network());
        int matched = 0;
        for (JsonNode k : keys) {
            String key = k.asText();
            // "key=value" form: the endpoint must carry that value
            String want = key.contains("=") ? key.substring(key.indexOf('=') + 1) : nodeLabels.get(key);
            String name = key.contains("=") ? key.substring(0, key.indexOf('=')) : key;
            if (want == null || !want.equals(epLabels.get(name))) {
                break;
            }
            matched++;
        }
        return keys.size() - matched;
    }

    private static Map<String, Integer> distribute(JsonNode rules, Locality node, Map<String, Map<Integer, List<MeshEndpoint>>> groups,
                                                   Map<String, Locality> localities) {
        for (JsonNode rule : rules) {
            if (!node.matches(rule.path("from").asText("*"))) {
                continue;
            }
            Map<String, Integer> weights = new HashMap<>();
            java.util.Set<String> assigned = new java.util.HashSet<>();
            rule.path("to").fields().forEachRemaining(to -> {
                List<String> matching = new ArrayList<>();
                int total = 0;
                for (String lk : groups.keySet()) {
                    if (!assigned.contains(lk) && localities.get(lk).matches(to.getKey())) {
                        matching.add(lk);
                        total += groups.get(lk).values().stream().mapToInt(List::size).sum();
                    }
                }
                for (String lk : matching) {
                    int count = groups.get(lk).values().stream().mapToInt(List::size).sum();
                    weights.put(lk, Math.max(1, (int) Math.round(to.getValue().asDouble() * 1000.0 * count / Math.max(total, 1))));
                    assigned.add(lk);
                }
            });
            return weights;
        }
        return null;
    }
}
