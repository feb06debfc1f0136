package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.type.v3.Percent;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One EDS cluster per service port ({@code outbound|9080||reviews.default.svc.cluster.local}) and per
 * DestinationRule subset and port ({@code outbound|9080|v1|...}), with the rule's load-balancer policy,
 * outlier detection, connection-pool limits and upstream TLS (subset and port-level settings override the rule's).
 */
final class ClusterTranslator {

    /** The traffic policy in force for a port and subset: DR top level, then port-level, then the subset's own. */
    static JsonNode policy(MeshObject dr, int port, String subset) {
        ObjectNode merged = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        if (dr == null) {
            return merged;
        }
        JsonNode top = dr.spec().path("trafficPolicy");
        mergeInto(merged, top, port);
        if (subset != null && !subset.isEmpty()) {
            for (JsonNode s : dr.spec().path("subsets")) {
                if (subset.equals(s.path("name").asText())) {
                    mergeInto(merged, s.path("trafficPolicy"), port);
                }
            }
        }
        return merged;
    }

    private static void mergeInto(ObjectNode merged, JsonNode policy, int port) {
        if (!policy.isObject()) {
            return;
        }
        policy.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("portLevelSettings")) {
                merged.set(e.getKey(), e.getValue());
            }
        });
        for (JsonNode pl : policy.path("portLevelSettings")) {
            if (pl.path("port").path("number").asInt() == port) {
                pl.fields().forEachRemaining(e -> {
                    if (!e.getKey().equals("port")) {
                        merged.set(e.getKey(), e.getValue());
                    }
                });
            }
        }
    }

    List<Cluster> clusters(MeshService service, MeshObject dr) {
        List<Cluster> out = new ArrayList<>();
        for (ServicePort port : service.ports()) {
            out.add(cluster(ClusterNames.outbound(port.number(), "", service.hostname()), policy(dr, port.number(), ""), where(dr)));
            if (dr != null) {
                for (JsonNode s : dr.spec().path("subsets")) {
                    String subset = s.path("name").asText();
                    out.add(cluster(ClusterNames.outbound(port.number(), subset, service.hostname()),
                            policy(dr, port.number(), subset), where(dr) + " subset " + subset));
                }
            }
        }
        return out;
    }

    private static String where(MeshObject dr) {
        return dr == null ? "default policy" : "DestinationRule " + dr.namespace() + "/" + dr.name();
    }

    /** Validates a DestinationRule by translating every cluster it can produce. */
    void validate(MeshObject dr) {
        List<Integer> ports = new ArrayList<>(List.of(0));
        for (JsonNode pl : dr.spec().path("trafficPolicy").path("portLevelSettings")) {
            ports.add(pl.path("port").path("number").asInt());
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (JsonNode s : dr.spec().path("subsets")) {
            String name = s.path("name").asText("");
            if (name.isEmpty() || !names.add(name)) {
                throw new TranslationException(where(dr) + " spec.subsets: subset name '" + name + "' is empty or repeated");
            }
            if (name.startsWith(Lanes.SUBSET_PREFIX)) {
                throw new TranslationException(where(dr) + " spec.subsets: subset name '" + name + "' starts with "
                        + Lanes.SUBSET_PREFIX + ", which TestLanes' subsets use; rename the subset");
            }
        }
        for (int port : ports) {
            cluster("validate", policy(dr, port, ""), where(dr));
            for (String subset : names) {
                cluster("validate", policy(dr, port, subset), where(dr) + " subset " + subset);
            }
        }
    }

    static Cluster cluster(String name, JsonNode policy, String where) {
        Cluster.Builder c = Cluster.newBuilder().setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name)
                        .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                                .setResourceApiVersion(ApiVersion.V3)))
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10));
        JsonNode lb = policy.path("loadBalancer");
        if (lb.has("simple")) {
            String simple = lb.path("simple").asText().toUpperCase(Locale.ROOT);
            c.setLbPolicy(switch (simple) {
                case "ROUND_ROBIN", "UNSPECIFIED", "PASSTHROUGH" -> Cluster.LbPolicy.ROUND_ROBIN;
                case "LEAST_CONN", "LEAST_REQUEST" -> Cluster.LbPolicy.LEAST_REQUEST;
                case "RANDOM" -> Cluster.LbPolicy.RANDOM;
                default -> throw new TranslationException(where + " trafficPolicy.loadBalancer.simple: Unsupported value: \""
                        + simple + "\": supported values: \"ROUND_ROBIN\", \"LEAST_REQUEST\", \"RANDOM\", \"PASSTHROUGH\"");
            });
        } else if (ConsistentHash.present(policy)) {
            ConsistentHash.loadBalancer(lb.path("consistentHash"), c, where);
            // the hash key goes on the routes; it is checked here, where a DestinationRule is refused or kept
            ConsistentHash.hashPolicies(policy, where);
        }
        JsonNode od = policy.path("outlierDetection");
        if (od.isObject()) {
            OutlierDetection.Builder o = OutlierDetection.newBuilder();
            if (od.has("consecutive5xxErrors")) {
                o.setConsecutive5Xx(UInt32Value.of(od.path("consecutive5xxErrors").asInt()));
            }
            if (od.has("consecutiveGatewayErrors")) {
                o.setConsecutiveGatewayFailure(UInt32Value.of(od.path("consecutiveGatewayErrors").asInt()));
            }
            if (od.has("interval")) {
                o.setInterval(Specs.duration(od.path("interval"), where + " outlierDetection.interval"));
            }
            if (od.has("baseEjectionTime")) {
                o.setBaseEjectionTime(Specs.duration(od.path("baseEjectionTime"), where + " outlierDetection.baseEjectionTime"));
            }
            int maxEjection = od.path("maxEjectionPercent").asInt(10);
            if (maxEjection < 0 || maxEjection > 100) {
                throw new TranslationException(where + " outlierDetection.maxEjectionPercent: " + maxEjection + " is outside 0-100");
            }
            o.setMaxEjectionPercent(UInt32Value.of(maxEjection));
            c.setOutlierDetection(o);
            if (od.has("minHealthPercent")) {
                c.setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(Percent.newBuilder().setValue(od.path("minHealthPercent").asDouble())));
            }
        }
        JsonNode pool = policy.path("connectionPool");
        if (pool.isObject()) {
            CircuitBreakers.Thresholds.Builder t = CircuitBreakers.Thresholds.newBuilder().setPriority(RoutingPriority.DEFAULT);
            if (pool.path("tcp").has("maxConnections")) {
                t.setMaxConnections(UInt32Value.of(pool.path("tcp").path("maxConnections").asInt()));
            }
            if (pool.path("http").has("http2MaxRequests")) {
                t.setMaxRequests(UInt32Value.of(pool.path("http").path("http2MaxRequests").asInt()));
            }
            if (pool.path("http").has("http1MaxPendingRequests")) {
                t.setMaxPendingRequests(UInt32Value.of(pool.path("http").path("http1MaxPendingRequests").asInt()));
            }
            if (pool.path("http").has("maxRetries")) {
                t.setMaxRetries(UInt32Value.of(pool.path("http").path("maxRetries").asInt()));
            }
            c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(t));
        }
        if (policy.path("loadBalancer").path("localityLbSetting").has("distribute")) {
            c.setCommonLbConfig(c.getCommonLbConfig().toBuilder()
                    .setLocalityWeightedLbConfig(Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()));
        }
        UpstreamTls.transportSocket(policy.path("tls"), where).ifPresent(c::setTransportSocket);
        return c.build();
    }
}
