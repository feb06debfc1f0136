package io.meshlane.control.xds;

import static io.meshlane.control.xds.MeshFixture.call;
import static io.meshlane.control.xds.MeshFixture.endpoint;
import static io.meshlane.control.xds.MeshFixture.eventually;
import static io.meshlane.control.xds.MeshFixture.spread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.registry.MeshEndpoint;
import io.meshlane.control.testing.Bookinfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Acceptance with real grpc-java proxyless xDS clients (io.grpc:grpc-xds): each client has its own
 * bootstrap pointing at the test's xDS server, which reads the configuration from the real embedded
 * store; backends are real gRPC servers on loopback answering with their name.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxylessGrpcAcceptanceTest {
    static final String REVIEWS = "reviews.default.svc.cluster.local";
    static final Locality EAST = new Locality("us-east", "a", "");

    private static void reviews(MeshFixture m) throws Exception {
        m.service(REVIEWS, "default", 9080);
        int v1 = m.backend("reviews-v1");
        int v2 = m.backend("reviews-v2");
        int v3 = m.backend("reviews-v3");
        m.registry.replaceEndpoints("k8s/test/slice/default/reviews", List.of(
                endpoint(REVIEWS, v1, Map.of("app", "reviews", "version", "v1"), EAST, true, 1),
                endpoint(REVIEWS, v2, Map.of("app", "reviews", "version", "v2"), EAST, true, 1),
                endpoint(REVIEWS, v3, Map.of("app", "reviews", "version", "v3"), EAST, true, 1)));
        m.xds.awaitIdle();
        m.apply(Bookinfo.file("destination-rules.yaml"), "default");
    }

    private static double share(Map<String, Integer> counts, String who) {
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        return counts.getOrDefault(who, 0) / (double) total;
    }

    @Test
    void weightedCanaryMovesFrom90To80WithoutClientRestart() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            reviews(m);
            m.apply(Bookinfo.file("reviews-v1-90-v2-10.yaml"), "default");
            ManagedChannel ch = m.client("reviews", "default", EAST);
            eventually(ch, s -> s.startsWith("reviews-"), 30, "a first answer through xDS");
            Map<String, Integer> c = spread(ch, 2000, Map.of());
            System.out.println("90-10 split over 2000 RPCs: " + c);
            assertEquals(0.90, share(c, "reviews-v1"), 0.03, c.toString());
            assertEquals(0.10, share(c, "reviews-v2"), 0.03, c.toString());
            assertEquals(0, c.getOrDefault("reviews-v3", 0));

            m.apply(Bookinfo.file("reviews-v1-80-v2-20.yaml"), "default");
            m.xds.awaitIdle();
            long deadline = System.nanoTime() + 20_000_000_000L;
            Map<String, Integer> probe;
            do {
                probe = spread(ch, 300, Map.of());
            } while (share(probe, "reviews-v2") < 0.15 && System.nanoTime() < deadline);
            Map<String, Integer> c2 = spread(ch, 2000, Map.of());
            System.out.println("80-20 split over 2000 RPCs: " + c2);
            assertEquals(0.80, share(c2, "reviews-v1"), 0.03, c2.toString());
            assertEquals(0.20, share(c2, "reviews-v2"), 0.03, c2.toString());
        }
    }

    @Test
    void headerRoutingSendsJasonToV2() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            reviews(m);
            m.apply(Bookinfo.file("reviews-jason-to-v2.yaml"), "default");
            ManagedChannel ch = m.client("reviews:9080", "default", EAST);
            eventually(ch, s -> s.equals("reviews-v1"), 30, "v1 for everyone");
            assertEquals(Map.of("reviews-v2", 100), spread(ch, 100, Map.of("end-user", "jason")));
            assertEquals(Map.of("reviews-v1", 100), spread(ch, 100, Map.of("end-user", "someone-else")));
            assertEquals(Map.of("reviews-v1", 100), spread(ch, 100, Map.of()));
        }
    }

    /** grpc-java's ring_hash with the header key from the DestinationRule: one user, one backend. */
    @Test
    void consistentHashOnAHeaderKeepsEachUserOnOneBackend() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            reviews(m);
            ManagedChannel ch = m.client("reviews:9080", "default", EAST);
            eventually(ch, s -> s.startsWith("reviews-"), 30, "a first answer through xDS");
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: reviews}
                    spec:
                      host: reviews
                      trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 8192}}}}
                    """, "default");
            m.xds.awaitIdle();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (spread(ch, 30, Map.of("x-user", "probe")).size() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            for (int user = 0; user < 100; user++) {
                Map<String, Integer> c = spread(ch, 5, Map.of("x-user", "user-" + user));
                assertEquals(1, c.size(), "user-" + user + " stays on one backend: " + c);
            }
            // 3,000 keys, so that sampling noise (about 3%) leaves the 15% bound four deviations away
            Map<String, Integer> perBackend = new java.util.TreeMap<>();
            for (int user = 0; user < 3000; user++) {
                spread(ch, 1, Map.of("x-user", "key-" + user)).keySet().forEach(b -> perBackend.merge(b, 1, Integer::sum));
            }
            System.out.println("3000 keys over the ring: " + perBackend);
            assertEquals(3, perBackend.size(), perBackend.toString());
            for (int keys : perBackend.values()) {
                assertEquals(1000, keys, 150, "keys spread within 15% of even: " + perBackend);
            }
        }
    }

    @Test
    void faultAbortAndDelay() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            reviews(m);
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata:
                      name: reviews
                    spec:
                      hosts: [reviews]
                      http:
                      - match: [{headers: {end-user: {exact: abort}}}]
                        fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
                        route: [{destination: {host: reviews, subset: v1}}]
                      - match: [{headers: {end-user: {exact: grpc-abort}}}]
                        fault: {abort: {grpcStatus: PERMISSION_DENIED}}
                        route: [{destination: {host: reviews, subset: v1}}]
                      - match: [{headers: {end-user: {exact: slow}}}]
                        fault: {delay: {fixedDelay: 700ms, percentage: {value: 100}}}
                        route: [{destination: {host: reviews, subset: v3}}]
                      - route: [{destination: {host: reviews, subset: v2}}]
                    """, "default");
            ManagedChannel ch = m.client("reviews", "default", EAST);
            eventually(ch, s -> s.equals("reviews-v2"), 30, "the default route");
            for (int i = 0; i < 20; i++) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(ch, Map.of("end-user", "abort")));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), "HTTP 503 maps to UNAVAILABLE: " + e);
                StatusRuntimeException g = assertThrows(StatusRuntimeException.class, () -> call(ch, Map.of("end-user", "grpc-abort")));
                assertEquals(Status.Code.PERMISSION_DENIED, g.getStatus().getCode(), g.toString());
            }
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                assertEquals("reviews-v3", call(ch, Map.of("end-user", "slow")));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms >= 650, "the fixed delay of 700ms was observed: " + ms + " ms");
            }
            long t0 = System.nanoTime();
            assertEquals("reviews-v2", call(ch));
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 500, "no delay without the header");
        }
    }

    @Test
    void localityFailoverAndReturn() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            String geo = "geo.default.svc.cluster.local";
            m.service(geo, "default", 7070);
            int east = m.backend("east");
            int west = m.backend("west");
            int eu = m.backend("eu");
            MeshEndpoint eastEp = endpoint(geo, east, Map.of("app", "geo"), new Locality("us-east", "a", ""), true, 1);
            List<MeshEndpoint> others = List.of(
                    endpoint(geo, west, Map.of("app", "geo"), new Locality("us-west", "b", ""), true, 1),
                    endpoint(geo, eu, Map.of("app", "geo"), new Locality("eu-central", "c", ""), true, 1));
            m.registry.replaceEndpoints("k8s/east/slice/geo", List.of(eastEp));
            m.registry.replaceEndpoints("k8s/others/slice/geo", others);
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: geo}
                    spec:
                      host: geo
                      trafficPolicy:
                        outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 30s}
                        loadBalancer:
                          simple: ROUND_ROBIN
                          localityLbSetting:
                            enabled: true
                            failover: [{from: us-east, to: eu-central}]
                    """, "default");
            ManagedChannel ch = m.client("geo", "default", new Locality("us-east", "a", ""));
            eventually(ch, "east"::equals, 30, "the local region");
            assertEquals(Map.of("east", 200), spread(ch, 200, Map.of()));

            // a second client keeps calling through every move
            ManagedChannel watcher = m.client("geo:7070", "default", new Locality("us-east", "a", ""));
            eventually(watcher, "east"::equals, 30, "the local region for the second client");
            AtomicBoolean run = new AtomicBoolean(true);
            AtomicInteger failures = new AtomicInteger();
            AtomicInteger hung = new AtomicInteger();
            Map<String, AtomicInteger> seen = new java.util.concurrent.ConcurrentHashMap<>();
            Thread load = Thread.ofPlatform().daemon().start(() -> {
                while (run.get()) {
                    try {
                        seen.computeIfAbsent(MeshFixture.callWithin(watcher, 3), k -> new AtomicInteger()).incrementAndGet();
                    } catch (java.util.concurrent.TimeoutException e) {
                        hung.incrementAndGet();
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            });
            // region A's endpoints turn unhealthy: traffic moves to the failover region, not to us-west
            m.registry.replaceEndpoints("k8s/east/slice/geo", List.of(eastEp.withHealth(false)));
            eventually(ch, "eu"::equals, 20, "failover to eu-central");
            Thread.sleep(300);
            assertEquals(Map.of("eu", 200), spread(ch, 200, Map.of()));
            // they come back
            m.registry.replaceEndpoints("k8s/east/slice/geo", List.of(eastEp));
            eventually(ch, "east"::equals, 20, "return to us-east");
            Thread.sleep(300);
            assertEquals(Map.of("east", 200), spread(ch, 200, Map.of()));
            // removed entirely: failover again
            m.registry.replaceEndpoints("k8s/east/slice/geo", List.of());
            eventually(ch, "eu"::equals, 20, "failover after removal");
            run.set(false);
            load.join(15_000);
            if (load.isAlive()) {
                StringBuilder sb = new StringBuilder();
                for (StackTraceElement el : load.getStackTrace()) {
                    sb.append("\n  at ").append(el);
                }
                throw new AssertionError("the load thread is stuck:" + sb);
            }
            System.out.println("locality failover: " + seen + " answers during the moves, " + failures.get() + " failed, "
                    + hung.get() + " outlived their deadline in the client");
            assertTrue(failures.get() + hung.get() <= 2, "no failures beyond RPCs in flight: " + failures.get() + " + " + hung.get());
            assertFalse(seen.containsKey("west"), "us-west is not the failover target: " + seen);
        }
    }

    @Test
    void vmAndContainerMixMovedByWeights() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            String ratings = "ratings.default.svc.cluster.local";
            m.service(ratings, "default", 9080);
            int pod = m.backend("ratings-pod");
            int vm = m.backend("ratings-vm");
            m.registry.replaceEndpoints("k8s/test/slice/default/ratings", List.of(
                    endpoint(ratings, pod, Map.of("app", "ratings", "version", "v1"), EAST, true, 1)));
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: ratings-vm}
                    spec:
                      hosts: [ratings.default.svc.cluster.local]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports: [{number: 9080, name: grpc, protocol: GRPC}]
                      workloadSelector: {labels: {app: ratings, version: vm}}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: WorkloadEntry
                    metadata: {name: ratings-vm-1}
                    spec:
                      address: 127.0.0.1
                      ports: {grpc: %d}
                      labels: {app: ratings, version: vm}
                      locality: us-east/a
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: ratings}
                    spec:
                      host: ratings
                      subsets:
                      - {name: pods, labels: {version: v1}}
                      - {name: vms, labels: {version: vm}}
                    """.formatted(vm), "default");
            String vs = """
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: ratings}
                    spec:
                      hosts: [ratings]
                      http:
                      - route:
                        - {destination: {host: ratings, subset: pods}, weight: %d}
                        - {destination: {host: ratings, subset: vms}, weight: %d}
                    """;
            m.applyYaml(vs.formatted(100, 0), "default");
            ManagedChannel ch = m.client("ratings", "default", EAST);
            eventually(ch, "ratings-pod"::equals, 30, "containers only");
            assertEquals(Map.of("ratings-pod", 300), spread(ch, 300, Map.of()));
            m.applyYaml(vs.formatted(50, 50), "default");
            MeshFixture.eventuallySeen(ch, "ratings-vm"::equals, 20, "the VM gets traffic");
            Map<String, Integer> half = spread(ch, 1000, Map.of());
            assertEquals(0.5, share(half, "ratings-vm"), 0.06, half.toString());
            m.applyYaml(vs.formatted(0, 100), "default");
            m.xds.awaitIdle();
            Thread.sleep(500);
            eventually(ch, "ratings-vm"::equals, 20, "VM only");
            Map<String, Integer> vmOnly = spread(ch, 300, Map.of());
            assertEquals(Map.of("ratings-vm", 300), vmOnly);
        }
    }

    /** The outcome of calling {@code method} on a fresh connection: the answer, or the status code of the failure. */
    private static String outcome(MeshFixture m, int port, io.grpc.MethodDescriptor<String, String> method) {
        ManagedChannel ch = m.plainChannel(port);
        try {
            return MeshFixture.call(ch, method);
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        } finally {
            ch.shutdownNow();
        }
    }

    private static void eventuallyOutcome(MeshFixture m, int port, io.grpc.MethodDescriptor<String, String> method, String expected) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String last;
        while (!(last = outcome(m, port, method)).equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(method.getFullMethodName() + ": expected " + expected + ", last " + last);
            }
            Thread.sleep(100);
        }
    }

    /**
     * grpc-java's xDS RBAC on a real xDS-enabled server: AuthorizationPolicies that select the server's labels
     * become the RBAC filter of its server Listener; DENY refuses one path with PERMISSION_DENIED and lets the
     * other through, an ALLOW list admits only its path, and a policy selecting other labels changes nothing.
     */
    @Test
    void rbacOnAProxylessServerDeniesOnePathAndAllowsAnother() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            int port = m.xdsServer("ratings-1", "default", Map.of("app", "ratings"));
            assertEquals("ratings-1-secret", outcome(m, port, MeshFixture.SECRET), "no policy yet: everything is allowed");
            m.applyYaml("""
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: no-secrets}
                    spec:
                      selector: {matchLabels: {app: ratings}}
                      action: DENY
                      rules:
                      - to: [{operation: {paths: [/meshlane.test.Echo/Secret]}}]
                    """, "default");
            eventuallyOutcome(m, port, MeshFixture.SECRET, "PERMISSION_DENIED");
            assertEquals("ratings-1", outcome(m, port, MeshFixture.WHO), "the other path is allowed");

            m.delete("AuthorizationPolicy", "default", "no-secrets");
            m.applyYaml("""
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: only-who}
                    spec:
                      action: ALLOW
                      rules:
                      - to: [{operation: {paths: ["/meshlane.test.Echo/Wh*"], ports: ["%d"]}}]
                    ---
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: deny-all-of-reviews}
                    spec:
                      selector: {matchLabels: {app: reviews}}
                      action: DENY
                      rules: [{}]
                    """.formatted(port), "default");
            eventuallyOutcome(m, port, MeshFixture.WHO, "ratings-1");
            eventuallyOutcome(m, port, MeshFixture.SECRET, "PERMISSION_DENIED");
            for (int i = 0; i < 20; i++) {
                assertEquals("ratings-1", outcome(m, port, MeshFixture.WHO), "the namespace-wide ALLOW admits Who; reviews' DENY does not select ratings");
            }
        }
    }

    @Test
    void badInputNeverReachesClients() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            reviews(m);
            m.apply(Bookinfo.file("reviews-v1-90-v2-10.yaml"), "default");
            ManagedChannel good = m.client("reviews", "default", EAST);
            eventually(good, s -> s.startsWith("reviews-"), 30, "a first answer");

            // a malformed node id: the stream is refused, the client's RPCs fail, nothing else is disturbed
            ManagedChannel malformed = m.client("reviews", "not-an-istio-node-id", EAST, m.xds.port());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(malformed));
            assertTrue(e.getStatus().getCode() == Status.Code.UNAVAILABLE || e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED,
                    e.toString());
            assertTrue(m.xds.stats().refusedNodes() >= 1);

            // an unknown resource name: an empty LDS answer; the client's RPCs fail (UNAVAILABLE, or DEADLINE_EXCEEDED while grpc-java waits)
            ManagedChannel unknown = m.client("no-such-service:1234", "default", EAST);
            StatusRuntimeException u = assertThrows(StatusRuntimeException.class, () -> call(unknown));
            assertTrue(u.getStatus().getCode() == Status.Code.UNAVAILABLE || u.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED,
                    u.toString());
            assertTrue(call(good).startsWith("reviews-"), "other clients are not disturbed");

            // invalid VirtualServices (written straight into the store, past API validation) never replace the good one
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: reviews}
                    spec:
                      hosts: [reviews]
                      http:
                      - route:
                        - {destination: {host: reviews, subset: v1}, weight: 0}
                        - {destination: {host: reviews, subset: v3}, weight: 0}
                    """, "default");
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: reviews}
                    spec:
                      hosts: [reviews]
                      http:
                      - match: [{uri: {regex: "/(unclosed"}}]
                        route: [{destination: {host: reviews, subset: v3}}]
                    """, "default");
            m.xds.awaitIdle();
            assertTrue(m.xds.rejections().size() >= 2, m.xds.rejections().toString());
            Thread.sleep(300);
            Map<String, Integer> c = spread(good, 600, Map.of());
            assertEquals(0.90, share(c, "reviews-v1"), 0.05, c.toString());
            assertEquals(0, c.getOrDefault("reviews-v3", 0), c.toString());

            // a resource the client rejects: NACKed, counted, reported once, not resent in a loop
            m.applyYaml("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: reviews}
                    spec:
                      host: reviews
                      trafficPolicy: {loadBalancer: {simple: RANDOM}}
                      subsets:
                      - {name: v1, labels: {version: v1}}
                      - {name: v2, labels: {version: v2}}
                    """, "default");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (m.xds.nacks().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(m.xds.nacks().isEmpty(), "grpc-java NACKs an unsupported LB policy");
            long nacks = m.xds.stats().nacks();
            Thread.sleep(1500);
            assertEquals(nacks, m.xds.stats().nacks(), "no NACK loop");
            NackReport r = m.xds.nacks().getFirst();
            System.out.println("NACK report: " + r);
            assertTrue(r.configObjects().contains("DestinationRule default/reviews"), r.toString());
            assertTrue(call(good).startsWith("reviews-"), "the client keeps its last good configuration");
        }
    }
}
