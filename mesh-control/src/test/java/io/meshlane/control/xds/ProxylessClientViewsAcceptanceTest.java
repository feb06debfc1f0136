package io.meshlane.control.xds;

import static io.meshlane.control.xds.MeshFixture.call;
import static io.meshlane.control.xds.MeshFixture.endpoint;
import static io.meshlane.control.xds.MeshFixture.eventually;
import static io.meshlane.control.xds.MeshFixture.spread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshlane.control.registry.Locality;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Per-client views seen by real grpc-java proxyless xDS clients (one control plane and its backends for
 * the class): the pod labels in a client's bootstrap choose its routes, and a client whose Sidecar does not
 * import a service (nor any imported VirtualService route to it) is never sent that service's listener,
 * cluster or endpoints, so it cannot reach it.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProxylessClientViewsAcceptanceTest {
    static final String GREETER = "greeter.default.svc.cluster.local";
    static final String LOCAL = "local.scoped.svc.cluster.local";
    static final String HIDDEN = "hidden.default.svc.cluster.local";
    static final Locality EAST = new Locality("us-east", "a", "");
    static MeshFixture m;
    /** Every resource name a client in namespace {@code scoped} ACKed, by type: what it really received. */
    static final Map<String, Set<String>> ACKED_IN_SCOPED = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void mesh() throws Exception {
        m = new MeshFixture();
        m.namespace("scoped", Map.of());
        m.namespace("plain", Map.of());
        m.xds.onAck((node, type, version, names) -> {
            if (node.endsWith("~scoped.svc.cluster.local")) {
                ACKED_IN_SCOPED.computeIfAbsent(type, t -> java.util.concurrent.ConcurrentHashMap.newKeySet()).addAll(names);
            }
        });
        m.service(GREETER, "default", 7070);
        m.service(LOCAL, "scoped", 7070);
        m.service(HIDDEN, "default", 7070);
        m.registry.replaceEndpoints("k8s/test/slice/default/greeter", List.of(
                endpoint(GREETER, m.backend("greeter-v1"), Map.of("app", "greeter", "version", "v1"), EAST, true, 1),
                endpoint(GREETER, m.backend("greeter-v2"), Map.of("app", "greeter", "version", "v2"), EAST, true, 1)));
        m.registry.replaceEndpoints("k8s/test/slice/scoped/local", List.of(
                endpoint(LOCAL, m.backend("local"), Map.of("app", "local"), EAST, true, 1)));
        m.registry.replaceEndpoints("k8s/test/slice/default/hidden", List.of(
                endpoint(HIDDEN, m.backend("hidden"), Map.of("app", "hidden"), EAST, true, 1)));
        m.xds.awaitIdle();
        m.applyYaml("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: greeter}
                spec:
                  host: greeter
                  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
                """, "default");
    }

    @AfterAll
    static void close() {
        m.close();
    }

    @Test
    void sourceLabelsSendTwoClientsOfOneServiceDifferentWays() throws Exception {
        try (var rules = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: greeter}
                spec:
                  hosts: [greeter]
                  http:
                  - match: [{sourceLabels: {track: canary}}]
                    route: [{destination: {host: greeter, subset: v2}}]
                  - route: [{destination: {host: greeter, subset: v1}}]
                """, "default")) {
            ManagedChannel canary = m.client("greeter:7070", "default", Map.of("app", "web", "track", "canary"));
            ManagedChannel stable = m.client("greeter:7070", "default", Map.of("app", "web", "track", "stable"));
            eventually(canary, "greeter-v2"::equals, 30, "the canary client on v2");
            eventually(stable, "greeter-v1"::equals, 30, "the stable client on v1");
            assertEquals(Map.of("greeter-v2", 200), spread(canary, 200, Map.of()));
            assertEquals(Map.of("greeter-v1", 200), spread(stable, 200, Map.of()));
        }
    }

    @Test
    void aScopedClientIsNeverSentWhatItsSidecarDoesNotImport() throws Exception {
        // the Sidecar imports scoped's own services; local's routes add greeter (Istio adds the destinations of
        // imported VirtualServices); hidden is imported by nothing
        try (var rules = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: local}
                spec:
                  hosts: [local]
                  http:
                  - match: [{headers: {x-go: {exact: greeter}}}]
                    route: [{destination: {host: greeter.default.svc.cluster.local, subset: v1}}]
                  - route: [{destination: {host: local}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  egress: [{hosts: ["./*"]}]
                """, "scoped")) {
            ManagedChannel toHidden = m.client(HIDDEN + ":7070", "scoped", Map.of("app", "worker"));
            toHidden.getState(true); // resolving starts now, grpc-java's 15 s wait for the listener with it
            ManagedChannel scoped = m.client("local:7070", "scoped", Map.of("app", "worker"));
            eventually(scoped, "local"::equals, 30, "the scoped client reaches its own namespace");
            assertEquals(Map.of("greeter-v1", 20), spread(scoped, 20, Map.of("x-go", "greeter")),
                    "an imported VirtualService's destination is in scope");

            // the same name works for a client without a Sidecar: what the scoped one lacks is the scope
            ManagedChannel plain = m.client(HIDDEN + ":7070", "plain", Map.of("app", "worker"));
            eventually(plain, "hidden"::equals, 30, "the unscoped client reaches hidden");

            assertNeverResolved(toHidden, "a host the Sidecar does not import");
            assertEquals("local", call(scoped), "the scoped client still works");
            Set<String> clusters = new TreeSet<>(ACKED_IN_SCOPED.getOrDefault(TypeUrls.CLUSTER, Set.of()));
            assertEquals(Set.of("outbound|7070||" + LOCAL, "outbound|7070|v1|" + GREETER), clusters,
                    "the scoped clients were sent exactly the clusters their routes use: " + ACKED_IN_SCOPED);
            ACKED_IN_SCOPED.forEach((type, names) -> names.forEach(n -> assertTrue(!n.contains("hidden"),
                    "a scoped client was sent " + type + " " + n + "; it received " + ACKED_IN_SCOPED)));
        }
    }

    /**
     * grpc-java waits 15 s for a listener it is never sent, then fails its calls UNAVAILABLE naming the missing
     * LDS resource; calls before that end DEADLINE_EXCEEDED. No call may succeed.
     */
    private static void assertNeverResolved(ManagedChannel ch, String what) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        StatusRuntimeException last = null;
        while (System.nanoTime() < deadline) {
            last = assertThrows(StatusRuntimeException.class, () -> call(ch), what);
            if (last.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                assertTrue(String.valueOf(last.getStatus().getDescription()).contains("LDS resource " + HIDDEN), what + ": " + last);
                return;
            }
            assertEquals(Status.Code.DEADLINE_EXCEEDED, last.getStatus().getCode(), what + ": " + last);
        }
        throw new AssertionError(what + ": grpc-java did not give up on the listener within 30 s; last " + last);
    }
}
