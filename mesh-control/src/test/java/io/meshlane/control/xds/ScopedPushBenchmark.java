package io.meshlane.control.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.registry.MeshEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Not a unit test (surefire skips *Benchmark*): the size and speed of pushes with and without Sidecar
 * scoping (issue 17 item 5). A real xDS server on the embedded store holds {@code services} Kubernetes
 * services (two endpoints each) spread evenly over {@code namespaces} namespaces, one of them {@code shared};
 * {@code clients} Envoy-shaped ADS clients (raw SotW streams over a few HTTP/2 connections, not Envoys and not
 * grpc-java channels, so that 1,000 fit in one JVM on two cores) subscribe as a sidecar does: wildcard CDS and
 * LDS, then RDS for the route names the listeners carry and EDS for every EDS cluster, ACKing each response.
 * After the initial sync settles, one VirtualService in one namespace changes its weights a few times; for each
 * change the clients count the protobuf bytes they receive and the server notes when each client's route ACK
 * arrives (convergence: store write to ACK at the server, over the clients that were sent a new route).
 * The same is run twice, on fresh servers: without Sidecars, then with each namespace's Sidecar importing only
 * its own namespace and {@code shared} ({@code egress.hosts: ["./*", "shared/*"]}).
 *
 * <p>Arguments: clients namespaces services changes (defaults 1000 100 1000 5).
 */
public final class ScopedPushBenchmark {
    private static final String CHANGED_NS = "ns-7";
    private static final int PORT = 8080;

    record Phase(String name, long initialBytes, long initialResponses, double initialSeconds, List<Round> rounds) {
    }

    record Round(long bytes, long responses, int clientsPushed, double p50Ms, double p99Ms, double maxMs) {
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int namespaces = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int services = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int changes = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        System.out.printf("%d clients, %d namespaces, %d services, %d VirtualService changes per phase%n", clients, namespaces, services, changes);
        Phase unscoped = run(false, clients, namespaces, services, changes);
        Phase scoped = run(true, clients, namespaces, services, changes);
        report(unscoped, scoped);
        System.exit(0);
    }

    static String namespace(int i) {
        return i == 0 ? "shared" : "ns-" + i;
    }

    static Phase run(boolean scoped, int clients, int namespaces, int services, int changes) throws Exception {
        String name = scoped ? "Sidecar-scoped" : "unscoped";
        try (MeshFixture m = new MeshFixture()) {
            for (int n = 0; n < namespaces; n++) {
                m.namespace(namespace(n), Map.of());
            }
            for (int s = 0; s < services; s++) {
                String ns = namespace(s % namespaces);
                String host = "svc-" + s + "." + ns + ".svc.cluster.local";
                m.service(host, ns, PORT);
                List<MeshEndpoint> eps = new ArrayList<>();
                for (int e = 0; e < 2; e++) {
                    eps.add(new MeshEndpoint(host, "10." + (s / 250) + "." + (s % 250) + "." + (e + 1), Map.of(), Map.of("version", "v" + e),
                            new Locality("us-east", "z1", ""), "bench", "", true, 1));
                }
                m.registry.replaceEndpoints("k8s/bench/slice/" + s, eps);
            }
            m.xds.awaitIdle();
            String changed = "svc-7";
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: svc-7}
                    spec:
                      host: svc-7
                      subsets: [{name: v0, labels: {version: v0}}, {name: v1, labels: {version: v1}}]
                    """, CHANGED_NS);
            m.applyYaml(virtualService(changed, 90), CHANGED_NS);
            if (scoped) {
                for (int n = 0; n < namespaces; n++) {
                    m.applyYaml("""
                            apiVersion: networking.istio.io/v1
                            kind: Sidecar
                            metadata: {name: default}
                            spec:
                              egress: [{hosts: ["./*", "shared/*"]}]
                            """, namespace(n));
                }
            }
            m.xds.awaitIdle();

            AtomicReference<Map<String, Long>> ackAt = new AtomicReference<>();
            m.xds.onAck((node, type, version, names) -> {
                Map<String, Long> r = ackAt.get();
                if (r != null && TypeUrls.ROUTE.equals(type)) {
                    r.putIfAbsent(node, System.nanoTime());
                }
            });
            Counters counters = new Counters(clients);
            List<ManagedChannel> channels = new ArrayList<>();
            // the server allows 64 streams per connection; 40 per connection leaves room
            for (int i = 0; i < (clients + 39) / 40; i++) {
                channels.add(Grpc.newChannelBuilder("127.0.0.1:" + m.xds.port(), InsecureChannelCredentials.create())
                        .maxInboundMessageSize(64 * 1024 * 1024).build());
            }
            long start = System.nanoTime();
            List<SidecarClient> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String ns = namespace(i % namespaces);
                String id = "sidecar~10.200." + (i / 250) + "." + (i % 250) + "~c" + i + "." + ns + "~" + ns + ".svc.cluster.local";
                all.add(new SidecarClient(channels.get(i / 40), Node.newBuilder().setId(id).build(), counters));
            }
            if (!counters.routed.await(1200, java.util.concurrent.TimeUnit.SECONDS)) {
                System.out.println("  (" + counters.routed.getCount() + " clients had no routes after 1200 s)");
            }
            double initialSeconds = counters.awaitQuiet(start, 2000, 600);
            long initialBytes = counters.bytes.getAndSet(0);
            long initialResponses = counters.responses.getAndSet(0);
            System.out.printf("%s: initial sync of %d clients: %,d bytes in %,d responses, settled after %.1f s; server %s%n",
                    name, clients, initialBytes, initialResponses, initialSeconds, m.xds.stats());

            List<Round> rounds = new ArrayList<>();
            for (int c = 0; c < changes; c++) {
                counters.touched.clear();
                Map<String, Long> acks = new ConcurrentHashMap<>();
                ackAt.set(acks);
                long t0 = System.nanoTime();
                m.applyYaml(virtualService(changed, c % 2 == 0 ? 80 : 90), CHANGED_NS);
                counters.awaitQuiet(t0, 1500, 120);
                ackAt.set(null);
                long[] lat = acks.values().stream().mapToLong(t -> t - t0).sorted().toArray();
                Round r = new Round(counters.bytes.getAndSet(0), counters.responses.getAndSet(0), counters.touched.size(),
                        percentile(lat, 0.50), percentile(lat, 0.99), percentile(lat, 1.0));
                System.out.printf("%s: change %d: %,d bytes in %d responses to %d clients; route ACKs from %d clients, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                        name, c, r.bytes(), r.responses(), r.clientsPushed(), lat.length, r.p50Ms(), r.p99Ms(), r.maxMs());
                rounds.add(r);
            }
            all.forEach(SidecarClient::close);
            channels.forEach(ManagedChannel::shutdownNow);
            return new Phase(name, initialBytes, initialResponses, initialSeconds, rounds);
        }
    }

    static String virtualService(String host, int weightV0) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  http:
                  - route:
                    - {destination: {host: %s, subset: v0}, weight: %d}
                    - {destination: {host: %s, subset: v1}, weight: %d}
                """.formatted(host, host, host, weightV0, host, 100 - weightV0);
    }

    static double percentile(long[] sortedNanos, double q) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sortedNanos.length - 1, Math.max(0, Math.ceil(sortedNanos.length * q) - 1));
        return sortedNanos[i] / 1e6;
    }

    static double median(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f) {
        double[] v = rounds.stream().mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }

    static void report(Phase a, Phase b) {
        System.out.println();
        System.out.println("RESULT | measure | unscoped | Sidecar-scoped | ratio (unscoped / scoped) |");
        row("initial sync bytes (all clients)", a.initialBytes(), b.initialBytes());
        row("initial sync seconds", a.initialSeconds(), b.initialSeconds());
        row("bytes per VirtualService change, median", median(a.rounds(), Round::bytes), median(b.rounds(), Round::bytes));
        row("clients pushed per change, median", median(a.rounds(), Round::clientsPushed), median(b.rounds(), Round::clientsPushed));
        row("convergence p50 ms, median of changes", median(a.rounds(), Round::p50Ms), median(b.rounds(), Round::p50Ms));
        row("convergence p99 ms, median of changes", median(a.rounds(), Round::p99Ms), median(b.rounds(), Round::p99Ms));
        row("convergence max ms, median of changes", median(a.rounds(), Round::maxMs), median(b.rounds(), Round::maxMs));
    }

    private static void row(String what, double unscoped, double scoped) {
        System.out.printf("RESULT | %s | %,.1f | %,.1f | %.1fx |%n", what, unscoped, scoped, unscoped / scoped);
    }

    /** What all clients received, shared. */
    static final class Counters {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong responses = new AtomicLong();
        final AtomicLong lastResponse = new AtomicLong();
        final Set<String> touched = ConcurrentHashMap.newKeySet();
        /** Counts down on each client's first route configuration: the initial sync reached it. */
        final java.util.concurrent.CountDownLatch routed;
        private final Set<String> routedClients = ConcurrentHashMap.newKeySet();

        Counters(int clients) {
            routed = new java.util.concurrent.CountDownLatch(clients);
        }

        void received(String client, DiscoveryResponse r) {
            bytes.addAndGet(r.getSerializedSize());
            responses.incrementAndGet();
            touched.add(client);
            if (TypeUrls.ROUTE.equals(r.getTypeUrl()) && routedClients.add(client)) {
                routed.countDown();
            }
            lastResponse.set(System.nanoTime());
        }

        /** Waits until no response has arrived for {@code quietMillis}; returns seconds from {@code since} to the last response. */
        double awaitQuiet(long since, long quietMillis, int maxSeconds) throws InterruptedException {
            long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
            lastResponse.set(Math.max(lastResponse.get(), since));
            while (System.nanoTime() < deadline && System.nanoTime() - lastResponse.get() < quietMillis * 1_000_000L) {
                Thread.sleep(100);
            }
            if (System.nanoTime() >= deadline) {
                System.out.println("  (still receiving after " + maxSeconds + " s)");
            }
            return (lastResponse.get() - since) / 1e9;
        }
    }

    /** One Envoy-shaped subscriber on a raw ADS stream: wildcard CDS and LDS, RDS and EDS by the names they carry. */
    static final class SidecarClient {
        private final StreamObserver<DiscoveryRequest> out;
        private final String id;
        private Set<String> routeNames = Set.of();
        private Set<String> edsNames = Set.of();

        SidecarClient(ManagedChannel channel, Node node, Counters counters) {
            this.id = node.getId();
            out = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
                @Override
                public void onNext(DiscoveryResponse r) {
                    counters.received(id, r);
                    answer(r);
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            synchronized (this) {
                out.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER).build());
                out.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
            }
        }

        private synchronized void answer(DiscoveryResponse r) {
            DiscoveryRequest.Builder ack = DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
                    .setResponseNonce(r.getNonce());
            try {
                switch (r.getTypeUrl()) {
                    case TypeUrls.CLUSTER -> {
                        out.onNext(ack.build());
                        Set<String> eds = new TreeSet<>();
                        for (var any : r.getResourcesList()) {
                            Cluster c = any.unpack(Cluster.class);
                            if (c.getType() == Cluster.DiscoveryType.EDS) {
                                eds.add(c.getName());
                            }
                        }
                        if (!eds.equals(edsNames)) {
                            edsNames = eds;
                            out.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).addAllResourceNames(eds).build());
                        }
                    }
                    case TypeUrls.LISTENER -> {
                        out.onNext(ack.build());
                        Set<String> routes = new TreeSet<>();
                        for (var any : r.getResourcesList()) {
                            for (FilterChain fc : any.unpack(Listener.class).getFilterChainsList()) {
                                for (Filter f : fc.getFiltersList()) {
                                    if (f.getTypedConfig().is(HttpConnectionManager.class)) {
                                        routes.add(f.getTypedConfig().unpack(HttpConnectionManager.class).getRds().getRouteConfigName());
                                    }
                                }
                            }
                        }
                        if (!routes.equals(routeNames)) {
                            routeNames = routes;
                            out.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ROUTE).addAllResourceNames(routes).build());
                        }
                    }
                    case TypeUrls.ROUTE -> out.onNext(ack.addAllResourceNames(routeNames).build());
                    case TypeUrls.ENDPOINT -> out.onNext(ack.addAllResourceNames(edsNames).build());
                    default -> out.onNext(ack.build());
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        }

        synchronized void close() {
            try {
                out.onCompleted();
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
    }

    private ScopedPushBenchmark() {
    }
}
