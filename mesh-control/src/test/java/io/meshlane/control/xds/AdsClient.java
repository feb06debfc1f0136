package io.meshlane.control.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw ADS client over the Envoy stubs: sends requests, queues responses and the stream's end. */
final class AdsClient implements AutoCloseable {
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private final StreamObserver<DiscoveryRequest> sotw;
    private final StreamObserver<DeltaDiscoveryRequest> delta;

    AdsClient(ManagedChannel channel, boolean useDelta) {
        var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
        if (useDelta) {
            sotw = null;
            delta = stub.deltaAggregatedResources(observer());
        } else {
            delta = null;
            sotw = stub.streamAggregatedResources(observer());
        }
    }

    private <T> StreamObserver<T> observer() {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                received.add(value);
            }

            @Override
            public void onError(Throwable t) {
                received.add(t);
            }

            @Override
            public void onCompleted() {
                received.add("completed");
            }
        };
    }

    static Node node(String id, boolean proxyless, String region) {
        Node.Builder n = Node.newBuilder().setId(id).setLocality(Locality.newBuilder().setRegion(region));
        if (proxyless) {
            n.setMetadata(Struct.newBuilder().putFields("GENERATOR", Value.newBuilder().setStringValue("grpc").build()));
        }
        return n.build();
    }

    void send(DiscoveryRequest r) {
        sotw.onNext(r);
    }

    void send(DeltaDiscoveryRequest r) {
        delta.onNext(r);
    }

    Object next(long millis) throws InterruptedException {
        return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    DiscoveryResponse response() throws InterruptedException {
        Object o = next(10_000);
        if (!(o instanceof DiscoveryResponse r)) {
            throw new AssertionError("expected a DiscoveryResponse, got " + o);
        }
        return r;
    }

    DeltaDiscoveryResponse deltaResponse() throws InterruptedException {
        Object o = next(10_000);
        if (!(o instanceof DeltaDiscoveryResponse r)) {
            throw new AssertionError("expected a DeltaDiscoveryResponse, got " + o);
        }
        return r;
    }

    /** Opens a stream to the server on {@code port}, sends {@code request} and returns the first response. */
    static DiscoveryResponse firstResponse(int port, DiscoveryRequest request) throws InterruptedException {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try (AdsClient ads = new AdsClient(ch, false)) {
            ads.send(request);
            return ads.response();
        } finally {
            ch.shutdownNow();
        }
    }

    /** The clusters, by name, that a wildcard CDS subscription delivers to {@code node}. */
    static Map<String, Cluster> clusters(int port, Node node) throws Exception {
        Map<String, Cluster> out = new TreeMap<>();
        for (var any : firstResponse(port, DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER).build()).getResourcesList()) {
            Cluster c = any.unpack(Cluster.class);
            out.put(c.getName(), c);
        }
        return out;
    }

    /** The routes of route configuration {@code name} as {@code node} receives them; empty when it is not sent one. */
    static List<Route> routes(int port, Node node, String name) throws Exception {
        DiscoveryResponse r = firstResponse(port, DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.ROUTE)
                .addResourceNames(name).build());
        if (r.getResourcesCount() == 0) {
            return List.of();
        }
        return r.getResources(0).unpack(RouteConfiguration.class).getVirtualHosts(0).getRoutesList();
    }

    @Override
    public void close() {
        try {
            if (sotw != null) {
                sotw.onCompleted();
            } else {
                delta.onCompleted();
            }
        } catch (RuntimeException ignored) {
            // already closed
        }
    }
}
