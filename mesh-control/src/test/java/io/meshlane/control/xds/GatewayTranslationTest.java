package io.meshlane.control.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.registry.MeshEndpoint;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Gateway + bound VirtualService → an ingress Envoy's listeners (one per server port) and routes (a virtual host
 * per admitted host), every resource checked against Envoy's PGV rules; bad Gateways are refused or reported
 * with a condition, never a crash, and the good ones stay served.
 */
class GatewayTranslationTest {
    private static final String PRODUCTPAGE = "productpage.default.svc.cluster.local";

    private final ServiceRegistry registry = new ServiceRegistry();
    private final MeshTranslation mesh = MeshTranslation.of(registry);
    private final List<RejectionLog.Notice> notices = new CopyOnWriteArrayList<>();
    private long revision;

    GatewayTranslationTest() {
        registry.addListener(mesh.changes()::registryChanged);
        mesh.rejections().onNotice(notices::add);
        service(PRODUCTPAGE, "default", 9080, "10.0.0.1", Map.of("app", "productpage"));
        mesh.changes().synced();
    }

    private void service(String host, String namespace, int port, String address, Map<String, String> labels) {
        String name = host.substring(0, host.indexOf('.'));
        registry.replaceServices("k8s/c/" + name, List.of(new MeshService(host, namespace, List.of(new ServicePort("http", port, "HTTP")), "k8s/c")));
        registry.replaceEndpoints("k8s/c/slice/" + name, List.of(new MeshEndpoint(host, address, Map.of(), labels,
                Locality.parse("us-east/a/1"), "c", "", true, 1)));
    }

    private void apply(String yaml) throws Exception {
        var docs = TranslatorTest.YAML.readValues(TranslatorTest.YAML.getFactory().createParser(yaml), JsonNode.class);
        while (docs.hasNext()) {
            JsonNode doc = docs.next();
            mesh.changes().upsert(new MeshObject(doc.path("kind").asText(), doc.path("metadata").path("namespace").asText("default"),
                    doc.path("metadata").path("name").asText(), doc, ++revision));
        }
    }

    private static ProxyNode router(Map<String, String> labels) {
        Struct.Builder l = Struct.newBuilder();
        labels.forEach((k, v) -> l.putFields(k, Value.newBuilder().setStringValue(v).build()));
        return ProxyNode.parse(Node.newBuilder().setId("router~10.0.0.9~ingress-7d.istio-system~istio-system.svc.cluster.local")
                .setMetadata(Struct.newBuilder().putFields("LABELS", Value.newBuilder().setStructValue(l).build())).build());
    }

    private static <T extends Message> T unpack(XdsResource r, Class<T> type) {
        try {
            return r.any().unpack(type);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(r.name() + " is not a " + type.getSimpleName(), e);
        }
    }

    /** The gateway proxy's listeners, with every route configuration they name, checked against Envoy's rules. */
    private Map<String, Listener> listeners(ProxyNode node, Map<String, RouteConfiguration> routes) {
        Map<String, Listener> out = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        for (XdsResource r : mesh.views().wildcard(TypeUrls.LISTENER, node)) {
            Listener l = unpack(r, Listener.class);
            violations.addAll(EnvoyRules.violations(l));
            out.put(r.name(), l);
            for (FilterChain chain : l.getFilterChainsList()) {
                XdsResource rc = mesh.views().resolve(TypeUrls.ROUTE, chain.getName(), node);
                if (rc != null) {
                    RouteConfiguration config = unpack(rc, RouteConfiguration.class);
                    violations.addAll(EnvoyRules.violations(config));
                    routes.put(rc.name(), config);
                }
            }
        }
        for (XdsResource c : mesh.views().wildcard(TypeUrls.CLUSTER, node)) {
            violations.addAll(EnvoyRules.violations(unpack(c, Cluster.class)));
        }
        assertEquals(List.of(), violations, "resources Envoy would refuse");
        return out;
    }

    private static final String BOOKINFO = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: bookinfo-gateway}
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: [bookinfo.example.com, "*.shop.example.com"]
              - port: {number: 443, name: https, protocol: HTTPS}
                hosts: [bookinfo.example.com]
                tls: {mode: SIMPLE, credentialName: bookinfo-cert, minProtocolVersion: TLSV1_2}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: bookinfo}
            spec:
              hosts: [bookinfo.example.com]
              gateways: [bookinfo-gateway]
              http:
              - match: [{uri: {exact: /productpage}}, {uri: {prefix: /static}}]
                route: [{destination: {host: productpage, port: {number: 9080}}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop}
            spec:
              hosts: [cart.shop.example.com, other.example.org]
              gateways: [default/bookinfo-gateway, mesh]
              http:
              - route: [{destination: {host: productpage, port: {number: 9080}}}]
            """;

    @Test
    void aGatewayWithBoundVirtualServicesGivesAListenerPerPortAndAVirtualHostPerHost() throws Exception {
        service("istio-ingressgateway.istio-system.svc.cluster.local", "istio-system", 80, "10.0.0.9", Map.of("istio", "ingressgateway"));
        apply(BOOKINFO);
        assertEquals(List.of(), mesh.rejections().all());
        Map<String, RouteConfiguration> routes = new TreeMap<>();
        Map<String, Listener> listeners = listeners(router(Map.of("istio", "ingressgateway")), routes);
        assertEquals(List.of("0.0.0.0_443", "0.0.0.0_80"), List.copyOf(listeners.keySet()));
        assertEquals(443, listeners.get("0.0.0.0_443").getAddress().getSocketAddress().getPortValue());

        FilterChain https = listeners.get("0.0.0.0_443").getFilterChains(0);
        assertEquals(List.of("bookinfo.example.com"), https.getFilterChainMatch().getServerNamesList());
        DownstreamTlsContext tls = https.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
        assertEquals("kubernetes://bookinfo-cert", tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName());
        assertTrue(listeners.get("0.0.0.0_443").getListenerFiltersList().stream()
                .anyMatch(f -> f.getName().equals(GatewayTranslator.TLS_INSPECTOR)), "SNI needs the TLS inspector");

        Map<String, String> golden = new TreeMap<>();
        routes.forEach((name, rc) -> {
            for (VirtualHost vh : rc.getVirtualHostsList()) {
                golden.put(name + " " + vh.getDomainsList(), vh.getRoutesCount() + " routes to "
                        + vh.getRoutes(0).getRoute().getCluster());
            }
        });
        String toProductpage = " to outbound|9080||" + PRODUCTPAGE;
        assertEquals(Map.of(
                "http.80 [bookinfo.example.com, bookinfo.example.com:80]", "2 routes" + toProductpage,
                "http.80 [cart.shop.example.com, cart.shop.example.com:80]", "1 routes" + toProductpage,
                "https.443.https.bookinfo-gateway.default [bookinfo.example.com, bookinfo.example.com:443]", "2 routes" + toProductpage),
                golden, "each admitted host once per server; other.example.org is outside the server's hosts");
        assertNotNull(mesh.views().resolve(TypeUrls.CLUSTER, "outbound|9080||" + PRODUCTPAGE, router(Map.of("istio", "ingressgateway"))),
                "the routes' cluster is served to the gateway");
        assertEquals("WorkloadSelected", notices.getLast().reason(), notices.toString());

        assertEquals(java.util.Set.of(), listeners(router(Map.of("istio", "egressgateway")), new TreeMap<>()).keySet(),
                "a proxy the Gateway does not select gets none of its listeners");
    }

    @Test
    void badGatewaysAreRefusedOrReportedAndTheGoodOneStaysServed() throws Exception {
        apply(BOOKINFO);
        RejectionLog.Notice unselected = notices.getLast();
        assertEquals("NoWorkloadSelected", unselected.reason());
        assertTrue(unselected.problem().contains("spec.selector {\"istio\":\"ingressgateway\"} matches no workload"), unselected.problem());

        apply("""
                kind: Gateway
                metadata: {name: no-cert}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 8443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE}}]
                ---
                kind: Gateway
                metadata: {name: mongo}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 27017, name: mongo, protocol: MONGO}, hosts: ["*"]}]
                ---
                kind: Gateway
                metadata: {name: no-port}
                spec:
                  servers: [{port: {name: http, protocol: HTTP}, hosts: ["*"]}]
                ---
                kind: Gateway
                metadata: {name: auto}
                spec:
                  servers: [{port: {number: 15443, name: tls, protocol: TLS}, hosts: ["*"], tls: {mode: AUTO_PASSTHROUGH}}]
                """);
        List<String> refused = mesh.rejections().all().stream().map(Rejection::message).toList();
        assertEquals(4, refused.size(), refused.toString());
        assertTrue(refused.get(0).contains("Gateway default/no-cert spec.servers[0].tls: SIMPLE needs credentialName"), refused.get(0));
        assertTrue(refused.get(1).contains("\"MONGO\" is not served"), refused.get(1));
        assertTrue(refused.get(2).contains("spec.servers[0].port.number: Required value"), refused.get(2));
        assertTrue(refused.get(3).contains("supported with PASSTHROUGH only"), refused.get(3));

        service("istio-ingressgateway.istio-system.svc.cluster.local", "istio-system", 80, "10.0.0.9", Map.of("istio", "ingressgateway"));
        assertEquals("WorkloadSelected", notices.getLast().reason(), "the condition clears once a gateway workload runs: " + notices);
        assertEquals(List.of("0.0.0.0_443", "0.0.0.0_80"),
                List.copyOf(listeners(router(Map.of("istio", "ingressgateway")), new TreeMap<>()).keySet()));
    }
}
