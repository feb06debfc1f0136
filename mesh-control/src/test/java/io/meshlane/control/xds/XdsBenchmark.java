package io.meshlane.control.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.registry.MeshEndpoint;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import io.meshlane.control.testing.Bookinfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Not a unit test (surefire skips *Benchmark*): run once with
 * {@code mvn -pl mesh-control test-compile exec:java ...} or from the IDE; see the report for the command.
 * <ol>
 *   <li>full translation of 1,000 services × 10 endpoints (routes, clusters, endpoint assignments for one view);</li>
 *   <li>1,000 simulated ADS clients (raw SotW streams, each subscribed to the reviews listener and route) on the
 *       real server fed by the embedded store: time from a VirtualService write until each client's ACK
 *       reaches the server (p50/p99/max), and heap per connected client.</li>
 * </ol>
 */
public final class XdsBenchmark {

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        snapshotBuild();
        convergence(clients);
        System.exit(0);
    }

    static void snapshotBuild() {
        long[] ms = new long[5];
        List<Long> changeNanos = new ArrayList<>();
        for (int round = 0; round < ms.length; round++) {
            ServiceRegistry registry = new ServiceRegistry();
            for (int s = 0; s < 1000; s++) {
                String host = "svc-" + s + ".ns-" + (s % 20) + ".svc.cluster.local";
                registry.replaceServices("k8s/b/" + s, List.of(new MeshService(host, "ns-" + (s % 20),
                        List.of(new ServicePort("grpc", 8080, "GRPC")), "k8s/b")));
                List<MeshEndpoint> eps = new ArrayList<>();
                for (int e = 0; e < 10; e++) {
                    eps.add(new MeshEndpoint(host, "10." + (s / 250) + "." + (s % 250) + "." + e, Map.of(), Map.of("version", "v" + (e % 2)),
                            new Locality(e < 5 ? "us-east" : "us-west", "z" + (e % 3), ""), "b", "", true, 1));
                }
                registry.replaceEndpoints("k8s/b/slice/" + s, eps);
            }
            MeshTranslation mesh = MeshTranslation.of(registry);
            MeshChanges state = mesh.changes();
            for (int s = 0; s < 1000; s++) {
                String ns = "ns-" + (s % 20);
                var vs = MeshFixture.JSON.createObjectNode();
                vs.putObject("metadata").put("name", "svc-" + s).put("namespace", ns);
                var spec = vs.putObject("spec");
                spec.putArray("hosts").add("svc-" + s);
                var http = spec.putArray("http").addObject();
                var route = http.putArray("route");
                route.addObject().put("weight", 90).putObject("destination").put("host", "svc-" + s).put("subset", "v0");
                route.addObject().put("weight", 10).putObject("destination").put("host", "svc-" + s).put("subset", "v1");
                state.upsert(new MeshObject(MeshObject.VIRTUAL_SERVICE, ns, "svc-" + s, vs, s + 1));
                var dr = MeshFixture.JSON.createObjectNode();
                dr.putObject("metadata").put("name", "svc-" + s).put("namespace", ns);
                var drSpec = dr.putObject("spec").put("host", "svc-" + s);
                drSpec.putObject("trafficPolicy").putObject("outlierDetection").put("consecutive5xxErrors", 5);
                var subsets = drSpec.putArray("subsets");
                subsets.addObject().put("name", "v0").putObject("labels").put("version", "v0");
                subsets.addObject().put("name", "v1").putObject("labels").put("version", "v1");
                state.upsert(new MeshObject(MeshObject.DESTINATION_RULE, ns, "svc-" + s, dr, s + 1));
            }
            ProxyNode node = TranslatorTest.node("sidecar~10.9.0.1~c.ns-0~ns-0.svc.cluster.local", new Locality("us-east", "z0", ""), true);
            long t0 = System.nanoTime();
            state.synced();
            int n = mesh.views().buildAll(node);
            ms[round] = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("snapshot build round " + round + ": " + ms[round] + " ms for " + n + " resources");
            long t1 = System.nanoTime();
            var vs = MeshFixture.JSON.createObjectNode();
            vs.putObject("metadata").put("name", "svc-7").put("namespace", "ns-7");
            var spec = vs.putObject("spec");
            spec.putArray("hosts").add("svc-7");
            spec.putArray("http").addObject().putArray("route").addObject().putObject("destination").put("host", "svc-7").put("subset", "v1");
            state.upsert(new MeshObject(MeshObject.VIRTUAL_SERVICE, "ns-7", "svc-7", vs, 5000));
            System.out.println("  one VirtualService change recomputed in " + (System.nanoTime() - t1) / 1000 + " us");
            for (int c = 0; c < 200; c++) {
                var change = MeshFixture.JSON.createObjectNode();
                change.putObject("metadata").put("name", "svc-7").put("namespace", "ns-7");
                var changeSpec = change.putObject("spec");
                changeSpec.putArray("hosts").add("svc-7");
                var routes = changeSpec.putArray("http").addObject().putArray("route");
                routes.addObject().put("weight", 100 - c % 50).putObject("destination").put("host", "svc-7").put("subset", "v0");
                routes.addObject().put("weight", c % 50).putObject("destination").put("host", "svc-7").put("subset", "v1");
                long t2 = System.nanoTime();
                state.upsert(new MeshObject(MeshObject.VIRTUAL_SERVICE, "ns-7", "svc-7", change, 5001 + c));
                changeNanos.add(System.nanoTime() - t2);
            }
        }
        changeNanos.sort(null);
        System.out.println("RESULT one VirtualService change (90/10-style weights on svc-7, " + changeNanos.size() + " changes): median "
                + changeNanos.get(changeNanos.size() / 2) / 1000 + " us, p90 " + changeNanos.get(changeNanos.size() * 9 / 10) / 1000 + " us");
        Arrays.sort(ms);
        System.out.println("RESULT snapshot build 1000 services x 10 endpoints (+1000 VirtualServices 90/10, 1000 DestinationRules with 2 subsets and outlier detection): median " + ms[ms.length / 2] + " ms, best " + ms[0] + " ms");
    }

    static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    static void convergence(int clients) throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            String reviews = "reviews.default.svc.cluster.local";
            m.service(reviews, "default", 9080);
            m.registry.replaceEndpoints("k8s/b/reviews", List.of(
                    MeshFixture.endpoint(reviews, 1001, Map.of("version", "v1"), new Locality("us-east", "a", ""), true, 1),
                    MeshFixture.endpoint(reviews, 1002, Map.of("version", "v2"), new Locality("us-east", "a", ""), true, 1)));
            m.xds.awaitIdle();
            m.apply(Bookinfo.file("destination-rules.yaml"), "default");
            m.apply(Bookinfo.file("reviews-v1-90-v2-10.yaml"), "default");

            int channelsCount = 10;
            List<ManagedChannel> channels = new ArrayList<>();
            for (int i = 0; i < channelsCount; i++) {
                channels.add(Grpc.newChannelBuilder("127.0.0.1:" + m.xds.port(), InsecureChannelCredentials.create()).build());
            }
            long before = usedHeap();
            CountDownLatch subscribed = new CountDownLatch(clients);
            record Round(long t0, Map<String, Long> ackAt, CountDownLatch latch) {
            }
            java.util.concurrent.atomic.AtomicReference<Round> round = new java.util.concurrent.atomic.AtomicReference<>();
            m.xds.onAck((node, type, version, names) -> {
                Round r = round.get();
                if (r != null && TypeUrls.ROUTE.equals(type) && r.ackAt().putIfAbsent(node, System.nanoTime()) == null) {
                    r.latch().countDown();
                }
            });
            List<StreamObserver<DiscoveryRequest>> streams = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                var stub = AggregatedDiscoveryServiceGrpc.newStub(channels.get(i % channelsCount));
                String nodeId = "sidecar~10.1." + (i / 250) + "." + (i % 250) + "~c" + i + ".default~default.svc.cluster.local";
                StreamObserver<DiscoveryRequest>[] self = new StreamObserver[1];
                boolean[] first = {true};
                self[0] = stub.streamAggregatedResources(new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse r) {
                        synchronized (self) {
                            self[0].onNext(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
                                    .setResponseNonce(r.getNonce()).addResourceNames(TypeUrls.ROUTE.equals(r.getTypeUrl())
                                            ? reviews + ":9080" : "reviews:9080").build());
                            if (TypeUrls.ROUTE.equals(r.getTypeUrl()) && first[0]) {
                                first[0] = false;
                                subscribed.countDown();
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
                synchronized (self) {
                    self[0].onNext(DiscoveryRequest.newBuilder().setNode(AdsClient.node(nodeId, true, "us-east"))
                            .setTypeUrl(TypeUrls.LISTENER).addResourceNames("reviews:9080").build());
                    self[0].onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ROUTE).addResourceNames(reviews + ":9080").build());
                }
                streams.add(self[0]);
            }
            if (!subscribed.await(120, TimeUnit.SECONDS)) {
                System.out.println("only " + (clients - subscribed.getCount()) + " clients subscribed");
            }
            Thread.sleep(1000);
            long after = usedHeap();
            System.out.println("RESULT memory per connected client (server and client side in one JVM, upper bound): "
                    + (after - before) / clients + " bytes (" + (after - before) / 1024 / 1024 + " MiB for " + clients + ")");
            System.out.println("server stats: " + m.xds.stats());

            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                Round r = new Round(t0, new ConcurrentHashMap<>(), new CountDownLatch(clients));
                round.set(r);
                m.apply(Bookinfo.file(i % 2 == 0 ? "reviews-v1-80-v2-20.yaml" : "reviews-v1-90-v2-10.yaml"), "default");
                boolean all = r.latch().await(60, TimeUnit.SECONDS);
                round.set(null);
                long[] lat = r.ackAt().values().stream().mapToLong(t -> (t - t0) / 1000).sorted().toArray();
                if (lat.length == 0) {
                    System.out.println("round " + i + ": no ACKs");
                    continue;
                }
                System.out.printf("RESULT convergence round %d: %d/%d clients ACKed; p50 %.1f ms, p99 %.1f ms, max %.1f ms (store write to server-side ACK)%n",
                        i, lat.length, clients, lat[lat.length / 2] / 1000.0, lat[(int) Math.min(lat.length - 1, Math.ceil(lat.length * 0.99) - 1)] / 1000.0,
                        lat[lat.length - 1] / 1000.0);
                if (!all) {
                    System.out.println("  (not all clients converged within 60 s)");
                }
                Thread.sleep(500);
            }
            streams.forEach(s -> {
                try {
                    s.onCompleted();
                } catch (RuntimeException ignored) {
                    // closed
                }
            });
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    private XdsBenchmark() {
    }
}
