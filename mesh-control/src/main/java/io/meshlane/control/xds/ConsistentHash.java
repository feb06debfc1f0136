package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.util.List;

/**
 * A DestinationRule's {@code loadBalancer.consistentHash}, which Envoy splits in two: the cluster's hashing
 * load balancer (ring hash, or Maglev when asked) and the route's hash key (header, cookie, source IP or
 * query parameter). Without a key, requests spread at random over the ring.
 */
final class ConsistentHash {
    private static final long DEFAULT_RING_SIZE = 1024;

    private ConsistentHash() {
    }

    static boolean present(JsonNode policy) {
        return policy.path("loadBalancer").path("consistentHash").isObject();
    }

    /** True when a DestinationRule asks for consistent hashing anywhere: at the top, per port or per subset. */
    static boolean usedBy(JsonNode drSpec) {
        boolean any = present(drSpec.path("trafficPolicy"));
        for (JsonNode pl : drSpec.path("trafficPolicy").path("portLevelSettings")) {
            any |= present(pl);
        }
        for (JsonNode subset : drSpec.path("subsets")) {
            any |= present(subset.path("trafficPolicy"));
            for (JsonNode pl : subset.path("trafficPolicy").path("portLevelSettings")) {
                any |= present(pl);
            }
        }
        return any;
    }

    /** Sets the cluster's hashing load balancer. */
    static void loadBalancer(JsonNode consistentHash, Cluster.Builder cluster, String where) {
        if (consistentHash.has("maglev")) {
            if (consistentHash.has("ringHash") || consistentHash.has("minimumRingSize")) {
                throw new TranslationException(where + " trafficPolicy.loadBalancer.consistentHash: maglev cannot be used"
                        + " together with ringHash or minimumRingSize");
            }
            Cluster.MaglevLbConfig.Builder maglev = Cluster.MaglevLbConfig.newBuilder();
            if (consistentHash.path("maglev").has("tableSize")) {
                maglev.setTableSize(UInt64Value.of(consistentHash.path("maglev").path("tableSize").asLong()));
            }
            cluster.setLbPolicy(Cluster.LbPolicy.MAGLEV).setMaglevLbConfig(maglev);
            return;
        }
        long ringSize = consistentHash.path("ringHash").path("minimumRingSize")
                .asLong(consistentHash.path("minimumRingSize").asLong(DEFAULT_RING_SIZE));
        cluster.setLbPolicy(Cluster.LbPolicy.RING_HASH).setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                .setMinimumRingSize(UInt64Value.of(ringSize)));
    }

    /** The route's hash key for a destination with this traffic policy; empty when it asks for none. */
    static List<RouteAction.HashPolicy> hashPolicies(JsonNode policy, String where) {
        JsonNode ch = policy.path("loadBalancer").path("consistentHash");
        RouteAction.HashPolicy.Builder h = RouteAction.HashPolicy.newBuilder();
        if (ch.hasNonNull("httpHeaderName")) {
            h.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(ch.path("httpHeaderName").asText()));
        } else if (ch.path("httpCookie").isObject()) {
            JsonNode cookie = ch.path("httpCookie");
            if (cookie.path("name").asText("").isEmpty()) {
                throw new TranslationException(where + " trafficPolicy.loadBalancer.consistentHash.httpCookie.name: Required value");
            }
            RouteAction.HashPolicy.Cookie.Builder c = RouteAction.HashPolicy.Cookie.newBuilder().setName(cookie.path("name").asText())
                    .setPath(cookie.path("path").asText(""));
            if (cookie.has("ttl")) {
                c.setTtl(Specs.duration(cookie.path("ttl"), where + " trafficPolicy.loadBalancer.consistentHash.httpCookie.ttl"));
            }
            h.setCookie(c);
        } else if (ch.path("useSourceIp").asBoolean(false)) {
            h.setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
        } else if (ch.hasNonNull("httpQueryParameterName")) {
            h.setQueryParameter(RouteAction.HashPolicy.QueryParameter.newBuilder().setName(ch.path("httpQueryParameterName").asText()));
        } else {
            return List.of();
        }
        return List.of(h.build());
    }
}
