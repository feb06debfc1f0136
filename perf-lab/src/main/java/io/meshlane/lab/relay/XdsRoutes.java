package io.meshlane.lab.relay;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The relay's view of the control plane's xDS: one ADS stream (state of the world) on which it asks, as an
 * Envoy sidecar would, for the route configuration of each HTTP service its pod calls ({@code host:port}, as
 * the control plane names them), the clusters those routes (and their mirror policies) name, and their
 * endpoints. Every response is ACKed. A lane's clusters carry filter metadata {@value #LANE_METADATA}
 * ({@code lane}, {@code header}), which says how to colour a mirrored copy sent to them.
 */
final class XdsRoutes implements AutoCloseable {
    static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    static final String LANE_METADATA = "meshlane.io/lane";

    /** A lane cluster's colour: the header that carries the lane and the lane's name. */
    record Colour(String header, String lane) { }

    private final ManagedChannel channel;
    private final Node node;
    private final Consumer<String> log;
    private final Map<String, Set<String>> wanted = new ConcurrentHashMap<>();
    private final Map<String, String[]> acked = new ConcurrentHashMap<>();
    private final Map<String, RouteConfiguration> routes = new ConcurrentHashMap<>();
    private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
    private final Map<String, List<InetSocketAddress>> endpoints = new ConcurrentHashMap<>();
    private StreamObserver<DiscoveryRequest> requests;

    XdsRoutes(InetSocketAddress server, String podIp, String pod, String namespace, Consumer<String> log) {
        this.log = log;
        this.node = Node.newBuilder().setId("sidecar~" + podIp + "~" + pod + "." + namespace + "~" + namespace + ".svc.cluster.local")
                .setUserAgentName("meshlane-lab-relay")
                .setMetadata(Struct.newBuilder().putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build()))
                .build();
        // the lab's xDS is the control plane's plaintext loopback endpoint, reached through the lab's gateway
        this.channel = NettyChannelBuilder.forAddress(server).usePlaintext().build();
        open();
    }

    private synchronized void open() {
        requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse response) {
                receive(response);
            }

            @Override
            public void onError(Throwable t) {
                log.accept("XDS stream failed: " + t + "; reopening");
                acked.clear();
                reopenLater();
            }

            @Override
            public void onCompleted() {
                reopenLater();
            }
        });
        for (String type : wanted.keySet()) {
            send(type);
        }
    }

    private void reopenLater() {
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(500);
                if (!channel.isShutdown()) {
                    open();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private synchronized void send(String type) {
        String[] versionNonce = acked.getOrDefault(type, new String[] {"", ""});
        requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type)
                .addAllResourceNames(wanted.getOrDefault(type, Set.of()))
                .setVersionInfo(versionNonce[0]).setResponseNonce(versionNonce[1]).build());
    }

    private void want(String type, Set<String> names) {
        Set<String> set = wanted.computeIfAbsent(type, t -> ConcurrentHashMap.newKeySet());
        if (set.addAll(names)) {
            send(type);
        }
    }

    private void receive(DiscoveryResponse response) {
        String type = response.getTypeUrl();
        Set<String> clusterNames = new TreeSet<>();
        Set<String> edsNames = new TreeSet<>();
        try {
            for (Any any : response.getResourcesList()) {
                switch (type) {
                    case ROUTE -> {
                        RouteConfiguration rc = any.unpack(RouteConfiguration.class);
                        routes.put(rc.getName(), rc);
                        clusterNames.addAll(clustersOf(rc));
                    }
                    case CLUSTER -> {
                        Cluster c = any.unpack(Cluster.class);
                        clusters.put(c.getName(), c);
                        edsNames.add(c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName()
                                : c.getEdsClusterConfig().getServiceName());
                    }
                    case ENDPOINT -> {
                        ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
                        endpoints.put(cla.getClusterName(), addresses(cla));
                    }
                    default -> { }
                }
            }
        } catch (InvalidProtocolBufferException e) {
            log.accept("XDS cannot read a " + type + " resource: " + e.getMessage());
        }
        synchronized (this) {
            acked.put(type, new String[] {response.getVersionInfo(), response.getNonce()});
            send(type);
        }
        if (!clusterNames.isEmpty()) {
            want(CLUSTER, clusterNames);
        }
        if (!edsNames.isEmpty()) {
            want(ENDPOINT, edsNames);
        }
    }

    private static Set<String> clustersOf(RouteConfiguration rc) {
        Set<String> out = new TreeSet<>();
        for (VirtualHost vh : rc.getVirtualHostsList()) {
            for (Route r : vh.getRoutesList()) {
                RouteAction a = r.getRoute();
                if (!a.getCluster().isEmpty()) {
                    out.add(a.getCluster());
                }
                for (WeightedCluster.ClusterWeight w : a.getWeightedClusters().getClustersList()) {
                    out.add(w.getName());
                }
                for (RouteAction.RequestMirrorPolicy m : a.getRequestMirrorPoliciesList()) {
                    out.add(m.getCluster());
                }
            }
        }
        return out;
    }

    private static List<InetSocketAddress> addresses(ClusterLoadAssignment cla) {
        return cla.getEndpointsList().stream().map(LocalityLbEndpoints::getLbEndpointsList).flatMap(List::stream)
                .filter(e -> e.getHealthStatus() != HealthStatus.UNHEALTHY && e.getHealthStatus() != HealthStatus.DRAINING)
                .map(LbEndpoint::getEndpoint).map(e -> e.getAddress().getSocketAddress())
                .map(a -> new InetSocketAddress(a.getAddress(), a.getPortValue())).toList();
    }

    /**
     * The route configuration {@code name}, asking for it the first time; waits up to {@code wait} for the
     * configuration and the endpoints of every cluster it names. Empty when the control plane has none (not an
     * HTTP service of the mesh: the relay splices the connection as TCP).
     */
    Optional<RouteConfiguration> route(String name, Duration wait) throws InterruptedException {
        want(ROUTE, Set.of(name));
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            RouteConfiguration rc = routes.get(name);
            if (rc != null && clustersOf(rc).stream().allMatch(endpoints::containsKey)) {
                return Optional.of(rc);
            }
            Thread.sleep(20);
        }
        return Optional.ofNullable(routes.get(name));
    }

    /** The route configuration as last pushed (routes change with every push). */
    RouteConfiguration current(String name) {
        return routes.get(name);
    }

    List<InetSocketAddress> endpoints(String cluster) {
        Cluster c = clusters.get(cluster);
        String eds = c == null || c.getEdsClusterConfig().getServiceName().isEmpty() ? cluster
                : c.getEdsClusterConfig().getServiceName();
        return endpoints.getOrDefault(eds, List.of());
    }

    /** How a copy sent to {@code cluster} is coloured: present for a lane's cluster. */
    Optional<Colour> colour(String cluster) {
        Cluster c = clusters.get(cluster);
        if (c == null || !c.getMetadata().getFilterMetadataMap().containsKey(LANE_METADATA)) {
            return Optional.empty();
        }
        Map<String, Value> f = c.getMetadata().getFilterMetadataMap().get(LANE_METADATA).getFieldsMap();
        return Optional.of(new Colour(f.get("header").getStringValue(), f.get("lane").getStringValue()));
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
