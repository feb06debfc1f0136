package io.meshlane.control.xds;

import java.util.List;

/** The Envoy v3 resource types served over ADS, in the order a client should receive them. */
final class TypeUrls {
    static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    static final List<String> ALL = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

    private TypeUrls() {
    }

    /** LDS and CDS may be requested as a wildcard (every resource the node may see). */
    static boolean wildcardCapable(String typeUrl) {
        return LISTENER.equals(typeUrl) || CLUSTER.equals(typeUrl);
    }

    static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case LISTENER -> "LDS";
            case ROUTE -> "RDS";
            case CLUSTER -> "CDS";
            case ENDPOINT -> "EDS";
            default -> typeUrl;
        };
    }
}
