package io.meshlane.control.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.Route;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Per-client views over real ADS streams on one control plane: what a client receives depends on its
 * namespace and labels (from its bootstrap node), Istio's way — DestinationRule precedence, exportTo of every
 * kind, Sidecar scoping and source matches.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClientViewsTest {
    static final String GREETER = "greeter.default.svc.cluster.local";
    static final String BILLING = "billing.default.svc.cluster.local";
    static MeshFixture m;

    @BeforeAll
    static void mesh() throws Exception {
        m = new MeshFixture();
        for (String ns : List.of("shop", "other", "plain", "scoped", "ext", "istio-system")) {
            m.namespace(ns, Map.of());
        }
        m.service(GREETER, "default", 7070);
        m.service(BILLING, "default", 7070);
        m.service("frontend.default.svc.cluster.local", "default", 7070);
        m.service("cart.shop.svc.cluster.local", "shop", 7070);
        m.service("local.scoped.svc.cluster.local", "scoped", 7070);
        m.xds.awaitIdle();
    }

    @AfterAll
    static void close() {
        m.close();
    }

    /** A route to a host reached only through a delegate VirtualService gets the hash key of that host's rule. */
    @Test
    void hashingRuleReachesRoutesThroughADelegate() throws Exception {
        try (var rules = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: frontend}
                spec:
                  hosts: [frontend]
                  http:
                  - delegate: {name: frontend-routes}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: frontend-routes}
                spec:
                  http:
                  - name: to-billing
                    route: [{destination: {host: billing}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: billing-hash}
                spec:
                  host: billing
                  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user}}}
                """, "default")) {
            Route r = routes(node("default", Map.of()), "frontend.default.svc.cluster.local:7070").getFirst();
            assertEquals("to-billing", r.getName());
            assertEquals(List.of("x-user"), r.getRoute().getHashPolicyList().stream().map(h -> h.getHeader().getHeaderName()).toList(),
                    "the delegate's route to billing carries billing's hash key: " + r);
        }
    }

    /** Istio's order: the client's namespace, then the service's (exported), then the root namespace; merged within one. */
    @Test
    void destinationRuleOfTheClientsNamespaceWins() throws Exception {
        try (var rules = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: greeter}
                spec:
                  host: greeter
                  trafficPolicy: {loadBalancer: {simple: RANDOM}}
                  subsets: [{name: v1, labels: {version: v1}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: greeter-more}
                spec:
                  host: greeter
                  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
                  subsets: [{name: v1, labels: {version: other}}, {name: v9, labels: {version: v9}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: billing-private}
                spec:
                  host: billing
                  exportTo: ["."]
                  trafficPolicy: {loadBalancer: {simple: RANDOM}}
                """, "default");
             var rules2 = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: greeter-for-shop}
                spec:
                  host: greeter.default.svc.cluster.local
                  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
                  subsets: [{name: v2, labels: {version: v2}}]
                """, "shop");
             var rules3 = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: greeter-elsewhere}
                spec:
                  host: greeter.default.svc.cluster.local
                  exportTo: ["*"]
                  trafficPolicy: {loadBalancer: {simple: RANDOM}}
                  subsets: [{name: v3, labels: {version: v3}}]
                """, "other");
             var rules4 = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: mesh-wide}
                spec:
                  host: "*.svc.cluster.local"
                  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
                """, "istio-system")) {
            Map<String, Cluster> shop = clusters(node("shop", Map.of()));
            assertEquals(Cluster.LbPolicy.LEAST_REQUEST, shop.get("outbound|7070||" + GREETER).getLbPolicy(), "shop's own rule");
            assertEquals(sorted("outbound|7070||" + GREETER, "outbound|7070|v2|" + GREETER), namesFor(shop, GREETER));

            Map<String, Cluster> own = clusters(node("default", Map.of()));
            assertEquals(Cluster.LbPolicy.RANDOM, own.get("outbound|7070||" + GREETER).getLbPolicy(), "the older rule's policy");
            assertEquals(sorted("outbound|7070||" + GREETER, "outbound|7070|v1|" + GREETER, "outbound|7070|v9|" + GREETER),
                    namesFor(own, GREETER), "subsets of the service namespace's two rules merged, v1 from the older one");
            assertEquals(Cluster.LbPolicy.RANDOM, own.get("outbound|7070||" + BILLING).getLbPolicy());

            Map<String, Cluster> plain = clusters(node("plain", Map.of()));
            assertEquals(Cluster.LbPolicy.RANDOM, plain.get("outbound|7070||" + GREETER).getLbPolicy(),
                    "the service namespace's rule; other's rule never applies outside other");
            assertEquals(3, namesFor(plain, GREETER).size());
            assertEquals(Cluster.LbPolicy.LEAST_REQUEST, plain.get("outbound|7070||" + BILLING).getLbPolicy(),
                    "billing's rule is exported only to default: the root namespace's applies");

            Map<String, Cluster> other = clusters(node("other", Map.of()));
            assertEquals(sorted("outbound|7070||" + GREETER, "outbound|7070|v3|" + GREETER), namesFor(other, GREETER));
        }
    }

    @Test
    void serviceEntryExportedToItsNamespaceOnly() throws Exception {
        try (var rules = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: partner}
                spec:
                  hosts: [api.partner.example]
                  exportTo: ["."]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  ports: [{number: 7443, name: grpc, protocol: GRPC}]
                  endpoints: [{address: 127.0.0.1}]
                """, "ext")) {
            assertTrue(clusters(node("ext", Map.of())).containsKey("outbound|7443||api.partner.example"));
            assertEquals(List.of(), namesFor(clusters(node("shop", Map.of())), "api.partner.example"));
        }
    }

    /** A namespace's Sidecar imports its own namespace; a selecting Sidecar beats it; the root's applies elsewhere. */
    @Test
    void sidecarScopesClustersAndRoutes() throws Exception {
        int unscoped = clusters(node("scoped", Map.of())).size();
        try (var rules = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  egress: [{hosts: ["./*"]}]
                  ingress: [{port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:8080"}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: wide}
                spec:
                  workloadSelector: {labels: {app: wide}}
                  egress: [{hosts: ["*/*", "~default/billing.default.svc.cluster.local"]}]
                """, "scoped");
             var rules2 = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  egress: [{hosts: ["./*", "default/greeter.default.svc.cluster.local"]}]
                """, "istio-system")) {
            Map<String, Cluster> scoped = clusters(node("scoped", Map.of()));
            assertEquals(List.of("outbound|7070||local.scoped.svc.cluster.local"), outbound(scoped));
            assertTrue(scoped.size() < unscoped, scoped.size() + " clusters with the Sidecar, " + unscoped + " without");
            assertEquals(8080, scoped.get("inbound|9080||").getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint()
                    .getAddress().getSocketAddress().getPortValue(), "the Sidecar's ingress port delivers to its defaultEndpoint");
            assertEquals(List.of(), routesOrEmpty(node("scoped", Map.of()), GREETER + ":7070"), "no route to an unimported host");

            List<String> wide = outbound(clusters(node("scoped", Map.of("app", "wide"))));
            assertTrue(wide.contains("outbound|7070||" + GREETER) && !wide.contains("outbound|7070||" + BILLING), wide.toString());

            assertEquals(List.of("outbound|7070||cart.shop.svc.cluster.local", "outbound|7070||" + GREETER),
                    outbound(clusters(node("shop", Map.of()))), "the root namespace's Sidecar, '.' meaning the client's namespace");
        }
        assertEquals(unscoped, clusters(node("scoped", Map.of())).size(), "deleting the Sidecars restores the whole mesh");
    }

    @Test
    void sourceLabelsAndSourceNamespaceChooseRoutesPerClient() throws Exception {
        try (var rules = m.applied("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: greeter-by-source}
                spec:
                  hosts: [greeter]
                  http:
                  - name: canary-clients
                    match: [{sourceLabels: {track: canary}, uri: {prefix: /api}}]
                    route: [{destination: {host: greeter}}]
                  - name: from-shop
                    match: [{sourceNamespace: shop, uri: {prefix: /shop}}]
                    route: [{destination: {host: greeter}}]
                """, "default")) {
            assertEquals(List.of("canary-clients", "default"), names(routes(node("default", Map.of("track", "canary")), GREETER + ":7070")));
            assertEquals(List.of("default"), names(routes(node("default", Map.of("track", "stable")), GREETER + ":7070")));
            assertEquals(List.of("from-shop", "default"), names(routes(node("shop", Map.of()), GREETER + ":7070")));
            assertEquals(List.of("canary-clients", "from-shop", "default"), names(routes(node("shop", Map.of("track", "canary")), GREETER + ":7070")));
        }
    }

    /** Mesh-wide defaults: with defaultServiceExportTo ".", a Kubernetes service is seen only in its namespace. */
    @Test
    void meshWideDefaultExportTo() throws Exception {
        MeshDefaults privateServices = new MeshDefaults("istio-system", List.of("."), List.of(), List.of("."));
        try (MeshFixture p = new MeshFixture(XdsOptions.defaults().withPort(0).withMesh(privateServices))) {
            p.namespace("shop", Map.of());
            p.service(GREETER, "default", 7070);
            p.xds.awaitIdle();
            assertEquals(List.of("outbound|7070||" + GREETER), outbound(clusters(p, node("default", Map.of()))));
            assertEquals(List.of(), outbound(clusters(p, node("shop", Map.of()))));
        }
    }

    static Node node(String namespace, Map<String, String> labels) {
        Struct.Builder l = Struct.newBuilder();
        labels.forEach((k, v) -> l.putFields(k, Value.newBuilder().setStringValue(v).build()));
        return Node.newBuilder().setId("sidecar~127.0.0.9~client." + namespace + "~" + namespace + ".svc.cluster.local")
                .setMetadata(Struct.newBuilder().putFields("LABELS", Value.newBuilder().setStructValue(l).build())).build();
    }

    private static List<String> sorted(String... names) {
        return java.util.Arrays.stream(names).sorted().toList();
    }

    private static List<String> outbound(Map<String, Cluster> clusters) {
        return clusters.keySet().stream().filter(n -> n.startsWith("outbound|")).sorted().toList();
    }

    private static List<String> namesFor(Map<String, Cluster> clusters, String host) {
        return clusters.keySet().stream().filter(n -> n.endsWith("|" + host)).sorted().toList();
    }

    private static List<String> names(List<Route> routes) {
        return routes.stream().map(Route::getName).toList();
    }

    static Map<String, Cluster> clusters(Node node) throws Exception {
        return AdsClient.clusters(m.xds.port(), node);
    }

    static Map<String, Cluster> clusters(MeshFixture f, Node node) throws Exception {
        return AdsClient.clusters(f.xds.port(), node);
    }

    static List<Route> routes(Node node, String name) throws Exception {
        List<Route> r = routesOrEmpty(node, name);
        assertTrue(!r.isEmpty(), "no route configuration " + name);
        return r;
    }

    private static List<Route> routesOrEmpty(Node node, String name) throws Exception {
        return AdsClient.routes(m.xds.port(), node, name);
    }
}
