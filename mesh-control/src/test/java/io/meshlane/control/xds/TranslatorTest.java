package io.meshlane.control.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.registry.MeshEndpoint;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import io.meshlane.control.testing.Bookinfo;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The translator's output shapes, fed from parsed YAML objects through the same state the server uses. */
class TranslatorTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String REVIEWS = "reviews.default.svc.cluster.local";

    ServiceRegistry registry;
    MeshTranslation mesh;
    NodeViews state;
    List<XdsChange> changes;
    long revision;

    @BeforeEach
    void setUp() {
        registry = new ServiceRegistry();
        changes = new ArrayList<>();
        mesh = MeshTranslation.of(registry);
        mesh.cache().onChange(changes::add);
        state = mesh.views();
        registry.addListener(mesh.changes()::registryChanged);
        registry.replaceServices("k8s/c/reviews", List.of(new MeshService(REVIEWS, "default",
                List.of(new ServicePort("http", 9080, "HTTP")), "k8s/c")));
        List<MeshEndpoint> eps = new ArrayList<>();
        String[][] where = {{"v1", "us-east/a/1"}, {"v1", "us-east/b/1"}, {"v2", "us-west/c/1"}, {"v3", "eu/d/1"}, {"v1", "us-east/a/2"}};
        int i = 1;
        for (String[] w : where) {
            eps.add(new MeshEndpoint(REVIEWS, "10.0.0." + i++, Map.of(), Map.of("app", "reviews", "version", w[0]),
                    Locality.parse(w[1]), "c", "", true, 1));
        }
        registry.replaceEndpoints("k8s/c/slice", eps);
        mesh.changes().synced();
    }

    void apply(String yaml, String namespace) throws Exception {
        var it = YAML.readValues(YAML.getFactory().createParser(yaml), JsonNode.class);
        while (it.hasNext()) {
            JsonNode doc = it.next();
            if (doc == null || !doc.has("kind")) {
                continue;
            }
            mesh.changes().upsert(new MeshObject(doc.path("kind").asText(), namespace, doc.path("metadata").path("name").asText(), doc, ++revision));
        }
    }

    static ProxyNode node(String id, Locality locality, boolean proxyless) {
        Node.Builder n = Node.newBuilder().setId(id).setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                .setRegion(locality.region()).setZone(locality.zone()).setSubZone(locality.subzone()));
        if (proxyless) {
            n.setMetadata(Struct.newBuilder().putFields("GENERATOR", Value.newBuilder().setStringValue("grpc").build()));
        }
        return ProxyNode.parse(n.build());
    }

    static final ProxyNode GRPC_EAST = node("sidecar~10.9.0.1~client.default~default.svc.cluster.local", Locality.parse("us-east/a/1"), true);

    <T extends com.google.protobuf.Message> T unpack(XdsResource r, Class<T> type) throws Exception {
        assertNotNull(r);
        return r.any().unpack(type);
    }

    @Test
    void proxylessListenersAreNamedAsClientsAsk() throws Exception {
        for (String name : List.of("reviews", "reviews:9080", "reviews.default", "reviews.default.svc.cluster.local:9080",
                "reviews.default.svc:9080")) {
            Listener l = unpack(state.resolve(TypeUrls.LISTENER, name, GRPC_EAST), Listener.class);
            assertEquals(name, l.getName());
            HttpConnectionManager hcm = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
            assertEquals(REVIEWS + ":9080", hcm.getRds().getRouteConfigName());
            assertEquals("envoy.filters.http.router", hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName());
        }
        ProxyNode other = node("sidecar~10.9.0.2~c.shop~shop.svc.cluster.local", Locality.UNKNOWN, true);
        assertNull(state.resolve(TypeUrls.LISTENER, "reviews", other), "short names resolve in the client's namespace");
        assertNotNull(state.resolve(TypeUrls.LISTENER, "reviews.default:9080", other));
        assertNull(state.resolve(TypeUrls.LISTENER, "reviews:1234", GRPC_EAST), "unknown port");
    }

    @Test
    void clustersUseIstioNamesAndPolicies() throws Exception {
        apply(Files.readString(Bookinfo.file("destination-rules.yaml")), "default");
        apply("""
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    loadBalancer: {simple: LEAST_REQUEST}
                    outlierDetection: {consecutive5xxErrors: 7, interval: 5s, baseEjectionTime: 15m, maxEjectionPercent: 50}
                    connectionPool: {http: {http2MaxRequests: 100}}
                  subsets:
                  - {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}}
                  - {name: v2, labels: {version: v2}}
                """, "default");
        Cluster base = unpack(state.resolve(TypeUrls.CLUSTER, "outbound|9080||" + REVIEWS, GRPC_EAST), Cluster.class);
        assertEquals(Cluster.LbPolicy.LEAST_REQUEST, base.getLbPolicy());
        assertEquals(7, base.getOutlierDetection().getConsecutive5Xx().getValue());
        assertEquals(900, base.getOutlierDetection().getBaseEjectionTime().getSeconds());
        assertEquals(100, base.getCircuitBreakers().getThresholds(0).getMaxRequests().getValue());
        assertEquals(Cluster.DiscoveryType.EDS, base.getType());
        Cluster v1 = unpack(state.resolve(TypeUrls.CLUSTER, "outbound|9080|v1|" + REVIEWS, GRPC_EAST), Cluster.class);
        assertEquals(Cluster.LbPolicy.ROUND_ROBIN, v1.getLbPolicy(), "the subset's policy overrides");
        assertTrue(v1.hasOutlierDetection(), "fields the subset does not set are inherited");
        ClusterLoadAssignment v2 = unpack(state.resolve(TypeUrls.ENDPOINT, "outbound|9080|v2|" + REVIEWS, GRPC_EAST), ClusterLoadAssignment.class);
        assertEquals(1, v2.getEndpointsList().stream().mapToInt(LocalityLbEndpoints::getLbEndpointsCount).sum());
        assertNull(state.resolve(TypeUrls.CLUSTER, "outbound|9080|v3|" + REVIEWS, GRPC_EAST), "the later DR has no v3");
    }

    @Test
    void routesFollowFirstMatchWins() throws Exception {
        apply("""
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - name: exact
                    match: [{uri: {exact: /a.B/Call}}, {uri: {prefix: /pre}, headers: {x-team: {prefix: blue}}}]
                    route: [{destination: {host: reviews, subset: v1}}]
                    timeout: 1.5s
                    retries: {attempts: 3, perTryTimeout: 500ms, retryOn: unavailable}
                    headers: {request: {set: {x-a: "1"}, add: {x-b: "2"}, remove: [x-c]}}
                    mirror: {host: reviews, subset: v3}
                    mirrorPercentage: {value: 25}
                  - match: [{uri: {regex: "/svc\\\\.[A-Z]+/.*"}, headers: {x-debug: {}, x-id: {regex: "[0-9]+"}}}]
                    fault: {delay: {fixedDelay: 2s, percentage: {value: 50}}, abort: {httpStatus: 503, percentage: {value: 10}}}
                    route:
                    - {destination: {host: reviews, subset: v1}, weight: 70}
                    - {destination: {host: reviews, subset: v2}, weight: 30}
                  - route: [{destination: {host: reviews, subset: v3}}]
                """, "default");
        RouteConfiguration rc = unpack(state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST), RouteConfiguration.class);
        List<Route> routes = rc.getVirtualHosts(0).getRoutesList();
        assertEquals(4, routes.size(), "two matches of the first http route, one of the second, the catch-all");
        assertEquals("/a.B/Call", routes.get(0).getMatch().getPath());
        assertEquals("blue", routes.get(1).getMatch().getHeaders(0).getStringMatch().getPrefix());
        Route first = routes.get(0);
        assertEquals("outbound|9080|v1|" + REVIEWS, first.getRoute().getCluster());
        assertEquals(1, first.getRoute().getTimeout().getSeconds());
        assertEquals(500_000_000, first.getRoute().getMaxStreamDuration().getMaxStreamDuration().getNanos());
        assertEquals(3, first.getRoute().getRetryPolicy().getNumRetries().getValue());
        assertEquals("outbound|9080|v3|" + REVIEWS, first.getRoute().getRequestMirrorPolicies(0).getCluster());
        assertEquals(250_000, first.getRoute().getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue().getNumerator());
        assertEquals(2, first.getRequestHeadersToAddCount());
        assertEquals(List.of("x-c"), first.getRequestHeadersToRemoveList());
        Route second = routes.get(2);
        assertEquals("/svc\\.[A-Z]+/.*", second.getMatch().getSafeRegex().getRegex());
        assertTrue(second.getMatch().getHeaders(0).getPresentMatch());
        assertEquals("[0-9]+", second.getMatch().getHeaders(1).getStringMatch().getSafeRegex().getRegex());
        assertEquals(Map.of("outbound|9080|v1|" + REVIEWS, 70, "outbound|9080|v2|" + REVIEWS, 30),
                second.getRoute().getWeightedClusters().getClustersList().stream()
                        .collect(Collectors.toMap(c -> c.getName(), c -> c.getWeight().getValue())));
        HTTPFault fault = second.getTypedPerFilterConfigOrThrow(RouteTranslator.FAULT_FILTER).unpack(HTTPFault.class);
        assertEquals(2, fault.getDelay().getFixedDelay().getSeconds());
        assertEquals(500_000, fault.getDelay().getPercentage().getNumerator());
        assertEquals(503, fault.getAbort().getHttpStatus());
        assertEquals("outbound|9080|v3|" + REVIEWS, routes.get(3).getRoute().getCluster());
    }

    @Test
    void destinationRuleTlsBecomesTheClustersUpstreamTransportSocket() throws Exception {
        apply("""
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
                  subsets:
                  - name: v1
                    labels: {version: v1}
                    trafficPolicy:
                      tls: {mode: MUTUAL, clientCertificate: /etc/certs/client.pem, privateKey: /etc/certs/key.pem,
                            caCertificates: /etc/certs/ca.pem, sni: reviews.example, subjectAltNames: [reviews.example, "spiffe://td/ns/a/sa/b"]}
                  - {name: v2, labels: {version: v2}, trafficPolicy: {tls: {mode: SIMPLE}}}
                  - {name: v3, labels: {version: v3}, trafficPolicy: {tls: {mode: DISABLE}}}
                """, "default");
        UpstreamTlsContext identity = tls("");
        assertEquals("default", identity.getCommonTlsContext().getTlsCertificateProviderInstance().getCertificateName());
        assertEquals("ROOTCA", identity.getCommonTlsContext().getValidationContext().getCaCertificateProviderInstance().getCertificateName());
        UpstreamTlsContext mutual = tls("v1");
        assertEquals("reviews.example", mutual.getSni());
        assertEquals("/etc/certs/client.pem", mutual.getCommonTlsContext().getTlsCertificates(0).getCertificateChain().getFilename());
        assertEquals("/etc/certs/ca.pem", mutual.getCommonTlsContext().getValidationContext().getTrustedCa().getFilename());
        assertEquals(SubjectAltNameMatcher.SanType.URI,
                mutual.getCommonTlsContext().getValidationContext().getMatchTypedSubjectAltNames(1).getSanType());
        assertEquals(UpstreamTls.SYSTEM_ROOTS, tls("v2").getCommonTlsContext().getValidationContext().getTrustedCa().getFilename(),
                "SIMPLE without caCertificates verifies against the system's roots, never nothing");
        Cluster v3 = unpack(state.resolve(TypeUrls.CLUSTER, "outbound|9080|v3|" + REVIEWS, GRPC_EAST), Cluster.class);
        assertFalse(v3.hasTransportSocket(), "DISABLE: plaintext");
        apply("""
                kind: DestinationRule
                metadata: {name: ratings}
                spec:
                  host: ratings
                  trafficPolicy: {tls: {mode: MUTUAL, credentialName: ratings-client}}
                """, "default");
        assertTrue(mesh.rejections().all().getLast().message().contains("MUTUAL needs clientCertificate and privateKey"),
                mesh.rejections().all().toString());
    }

    private UpstreamTlsContext tls(String subset) throws Exception {
        Cluster c = unpack(state.resolve(TypeUrls.CLUSTER, "outbound|9080|" + subset + "|" + REVIEWS, GRPC_EAST), Cluster.class);
        assertEquals(UpstreamTls.TRANSPORT_SOCKET, c.getTransportSocket().getName());
        return c.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    }

    @Test
    void consistentHashSetsTheClustersBalancerAndTheRoutesKey() throws Exception {
        apply("""
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{headers: {x-canary: {exact: "1"}}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                """, "default");
        apply("""
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 2048}}}}
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - name: v2
                    labels: {version: v2}
                    trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: session, ttl: 60s}, maglev: {tableSize: 65537}}}}
                """, "default");
        Cluster base = unpack(state.resolve(TypeUrls.CLUSTER, "outbound|9080||" + REVIEWS, GRPC_EAST), Cluster.class);
        assertEquals(Cluster.LbPolicy.RING_HASH, base.getLbPolicy());
        assertEquals(2048, base.getRingHashLbConfig().getMinimumRingSize().getValue());
        Cluster v2 = unpack(state.resolve(TypeUrls.CLUSTER, "outbound|9080|v2|" + REVIEWS, GRPC_EAST), Cluster.class);
        assertEquals(Cluster.LbPolicy.MAGLEV, v2.getLbPolicy());
        assertEquals(65537, v2.getMaglevLbConfig().getTableSize().getValue());
        List<Route> routes = unpack(state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST), RouteConfiguration.class)
                .getVirtualHosts(0).getRoutesList();
        assertEquals("session", routes.get(0).getRoute().getHashPolicy(0).getCookie().getName(), "the subset's key");
        assertEquals(60, routes.get(0).getRoute().getHashPolicy(0).getCookie().getTtl().getSeconds());
        assertEquals("x-user", routes.get(1).getRoute().getHashPolicy(0).getHeader().getHeaderName(), "the default route's key");

        apply("""
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
                """, "default");
        routes = unpack(state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST), RouteConfiguration.class)
                .getVirtualHosts(0).getRoutesList();
        assertEquals(0, routes.get(1).getRoute().getHashPolicyCount(), "dropping the hash from the rule drops the routes' key");
        apply("""
                kind: DestinationRule
                metadata: {name: both}
                spec:
                  host: ratings
                  trafficPolicy: {loadBalancer: {consistentHash: {maglev: {}, minimumRingSize: 10}}}
                """, "default");
        assertTrue(mesh.rejections().all().getLast().message().contains("maglev cannot be used together with ringHash or minimumRingSize"),
                mesh.rejections().all().toString());
    }

    @Test
    void aDelegateVirtualServicesRoutesRunInsideTheRootsMatch() throws Exception {
        apply("""
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /api}}]
                    delegate: {name: reviews-api, namespace: team}
                  - route: [{destination: {host: reviews, subset: v1}}]
                """, "default");
        List<Route> before = routes();
        assertEquals(1, before.size(), "a delegate not stored yet contributes no route: " + before);
        apply("""
                kind: VirtualService
                metadata: {name: reviews-api}
                spec:
                  http:
                  - match: [{uri: {prefix: /api/v2}}, {uri: {prefix: /elsewhere}}]
                    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v2}}]
                  - match: [{headers: {x-canary: {exact: "1"}}}]
                    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v3}}]
                """, "team");
        List<Route> routes = routes();
        assertEquals(3, routes.size(), "/elsewhere lies outside the root's /api and is dropped: " + routes);
        assertEquals("/api/v2", routes.get(0).getMatch().getPrefix());
        assertEquals("outbound|9080|v2|" + REVIEWS, routes.get(0).getRoute().getCluster());
        assertEquals("/api", routes.get(1).getMatch().getPrefix());
        assertEquals("x-canary", routes.get(1).getMatch().getHeaders(0).getName(), "the root's match and the delegate's, both");
        assertEquals("outbound|9080|v3|" + REVIEWS, routes.get(1).getRoute().getCluster());
        assertEquals("outbound|9080|v1|" + REVIEWS, routes.get(2).getRoute().getCluster());

        mesh.changes().delete(MeshObject.VIRTUAL_SERVICE, "team", "reviews-api", ++revision);
        assertEquals(1, routes().size(), "deleting the delegate removes its routes from the root's host");
        apply("""
                kind: VirtualService
                metadata: {name: reviews-api}
                spec:
                  http: [{delegate: {name: deeper}}]
                """, "team");
        assertTrue(mesh.rejections().all().getLast().message().contains("a delegate cannot delegate again"),
                mesh.rejections().all().toString());
    }

    @Test
    void aChangeThatTouchesNoServedHostPushesNothing() throws Exception {
        changes.clear();
        apply("""
                kind: VirtualService
                metadata: {name: unnamed-delegate}
                spec:
                  http:
                  - route: [{destination: {host: reviews.default.svc.cluster.local, subset: v2}}]
                """, "team");
        mesh.changes().delete(MeshObject.VIRTUAL_SERVICE, "team", "unnamed-delegate", ++revision);
        apply("""
                kind: TestLane
                metadata: {name: idle}
                spec: {}
                """, "default");
        apply("""
                kind: TestLane
                metadata: {name: idle}
                spec: {}
                status: {services: []}
                """, "default");
        mesh.changes().delete(MeshObject.TEST_LANE, "default", "idle", ++revision);
        assertEquals(List.of(), changes, "a delegate nobody names and a lane that covers no service configure no client: "
                + "a push would only clear every client's scoped views and re-send its listeners");

        apply(Files.readString(Bookinfo.file("reviews-v1-90-v2-10.yaml")), "default");
        assertEquals(1, changes.size(), "a change to a served host is pushed once");
    }

    private List<Route> routes() throws Exception {
        return unpack(state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST), RouteConfiguration.class).getVirtualHosts(0).getRoutesList();
    }

    @Test
    void queryParametersAreMatchedAsIstioWritesThem() throws Exception {
        apply("""
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{queryParams: {debug: {exact: "1"}, user: {regex: "[a-z]+"}, trace: {}}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                """, "default");
        List<Route> routes = unpack(state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST), RouteConfiguration.class)
                .getVirtualHosts(0).getRoutesList();
        assertEquals(2, routes.size(), "a query-parameter match does not catch all: the default route follows");
        var params = routes.get(0).getMatch().getQueryParametersList();
        assertEquals("debug", params.get(0).getName());
        assertEquals("1", params.get(0).getStringMatch().getExact());
        assertEquals("[a-z]+", params.get(1).getStringMatch().getSafeRegex().getRegex());
        assertTrue(params.get(2).getPresentMatch(), "{} asks for the parameter's presence");
        apply("""
                kind: VirtualService
                metadata: {name: bad}
                spec:
                  hosts: [reviews]
                  http: [{match: [{queryParams: {debug: {contains: x}}}], route: [{destination: {host: reviews}}]}]
                """, "default");
        assertTrue(mesh.rejections().all().getLast().message().contains("spec.http[0].match[0].queryParams.debug: a match needs exact"),
                mesh.rejections().all().toString());
    }

    @Test
    void rejectedVirtualServiceKeepsTheLastGoodOne() throws Exception {
        apply(Files.readString(Bookinfo.file("reviews-v1-90-v2-10.yaml")), "default");
        String before = state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST).version();
        changes.clear();
        apply("""
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v1}}]
                    timeout: soon
                """, "default");
        assertEquals(before, state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST).version());
        assertTrue(changes.isEmpty(), "nothing is pushed");
        Rejection r = mesh.rejections().all().getLast();
        assertTrue(r.message().contains("timeout") && r.message().contains("default/reviews"), r.message());
    }

    @Test
    void changeToOneVirtualServiceTouchesOnlyItsRoutes() throws Exception {
        String ratings = "ratings.default.svc.cluster.local";
        registry.replaceServices("k8s/c/ratings", List.of(new MeshService(ratings, "default", List.of(new ServicePort("http", 9080, "HTTP")), "k8s/c")));
        String reviewsVersion = state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST).version();
        changes.clear();
        apply(Files.readString(Bookinfo.file("ratings-delay-for-jason.yaml")), "default");
        assertEquals(1, changes.size());
        assertEquals(Map.of(TypeUrls.ROUTE, java.util.Set.of(ratings + ":9080")), changes.getFirst().names);
        assertEquals(reviewsVersion, state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST).version());
    }

    @Test
    void aVirtualServiceChangeIsTranslatedOncePerHostPort() throws Exception {
        long before = mesh.cache().routeTranslations();
        apply(Files.readString(Bookinfo.file("reviews-v1-90-v2-10.yaml")), "default");
        assertEquals(1, mesh.cache().routeTranslations() - before, "reviews has one port: one translation, no separate check or recompute");
        RouteConfiguration rc = unpack(state.resolve(TypeUrls.ROUTE, REVIEWS + ":9080", GRPC_EAST), RouteConfiguration.class);
        assertEquals(List.of(90, 10), rc.getVirtualHosts(0).getRoutes(0).getRoute().getWeightedClusters().getClustersList().stream()
                .map(c -> c.getWeight().getValue()).toList(), "the one translation is what is served");

        before = mesh.cache().routeTranslations();
        apply(Files.readString(Bookinfo.file("reviews-v1-80-v2-20.yaml")), "default");
        assertEquals(1, mesh.cache().routeTranslations() - before, "a change to it: once again");

        String ratings = "ratings.default.svc.cluster.local";
        registry.replaceServices("k8s/c/ratings", List.of(new MeshService(ratings, "default",
                List.of(new ServicePort("http", 9080, "HTTP"), new ServicePort("grpc", 9090, "GRPC")), "k8s/c")));
        before = mesh.cache().routeTranslations();
        apply(Files.readString(Bookinfo.file("ratings-delay-for-jason.yaml")), "default");
        assertEquals(2, mesh.cache().routeTranslations() - before, "once per port of the host");

        before = mesh.cache().routeTranslations();
        apply("""
                kind: VirtualService
                metadata: {name: later}
                spec:
                  hosts: [later]
                  http:
                  - route: [{destination: {host: later}}]
                """, "default");
        assertEquals(1, mesh.cache().routeTranslations() - before, "a host the registry does not know yet: checked once");
        assertTrue(mesh.rejections().all().isEmpty(), mesh.rejections().all().toString());
    }

    private Map<String, Integer> priorities(ProxyNode node) throws Exception {
        ClusterLoadAssignment cla = unpack(state.resolve(TypeUrls.ENDPOINT, "outbound|9080||" + REVIEWS, node), ClusterLoadAssignment.class);
        Map<String, Integer> out = new HashMap<>();
        for (LocalityLbEndpoints l : cla.getEndpointsList()) {
            out.put(l.getLocality().getRegion() + "/" + l.getLocality().getZone() + "/" + l.getLocality().getSubZone(), l.getPriority());
        }
        return out;
    }

    @Test
    void localityPrioritiesFollowLocalityLbSetting() throws Exception {
        assertEquals(java.util.Set.of(0), new java.util.HashSet<>(priorities(GRPC_EAST).values()), "no outlier detection: no failover");
        apply("""
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    outlierDetection: {consecutive5xxErrors: 1}
                    loadBalancer: {localityLbSetting: {failover: [{from: us-east, to: eu}]}}
                """, "default");
        assertEquals(Map.of("us-east/a/1", 0, "us-east/a/2", 1, "us-east/b/1", 2, "eu/d/1", 3, "us-west/c/1", 4), priorities(GRPC_EAST));
        ProxyNode west = node("sidecar~10.9.0.3~w.default~default.svc.cluster.local", Locality.parse("us-west/c/1"), true);
        assertEquals(Map.of("us-west/c/1", 0, "us-east/a/1", 1, "us-east/a/2", 1, "us-east/b/1", 1, "eu/d/1", 1), priorities(west));

        apply("""
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    outlierDetection: {consecutive5xxErrors: 1}
                    loadBalancer: {localityLbSetting: {failoverPriority: [topology.kubernetes.io/region, topology.kubernetes.io/zone]}}
                """, "default");
        assertEquals(Map.of("us-east/a/1", 0, "us-east/a/2", 0, "us-east/b/1", 1, "eu/d/1", 2, "us-west/c/1", 2), priorities(GRPC_EAST));

        apply("""
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    loadBalancer:
                      localityLbSetting:
                        distribute: [{from: "us-east/*", to: {"us-east/a/*": 80, "eu/*": 20}}]
                """, "default");
        ClusterLoadAssignment cla = unpack(state.resolve(TypeUrls.ENDPOINT, "outbound|9080||" + REVIEWS, GRPC_EAST), ClusterLoadAssignment.class);
        Map<String, Integer> weights = new HashMap<>();
        cla.getEndpointsList().forEach(l -> weights.put(l.getLocality().getRegion() + "/" + l.getLocality().getZone() + "/"
                + l.getLocality().getSubZone(), l.getLoadBalancingWeight().getValue()));
        assertEquals(Map.of("us-east/a/1", 40000, "us-east/a/2", 40000, "eu/d/1", 20000), weights);
        Cluster c = unpack(state.resolve(TypeUrls.CLUSTER, "outbound|9080||" + REVIEWS, GRPC_EAST), Cluster.class);
        assertTrue(c.getCommonLbConfig().hasLocalityWeightedLbConfig());
    }

    @Test
    void sidecarsGetIstiosListenerShape() throws Exception {
        // the sidecar of the reviews pod at 10.0.0.1
        ProxyNode envoy = node("sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local", Locality.parse("us-east/a/1"), false);
        assertEquals(ProxyNode.Type.SIDECAR, envoy.type());
        Map<String, Listener> listeners = new HashMap<>();
        for (XdsResource r : state.wildcard(TypeUrls.LISTENER, envoy)) {
            listeners.put(r.name(), r.any().unpack(Listener.class));
        }
        assertEquals(java.util.Set.of("virtualOutbound", "virtualInbound", "0.0.0.0_9080"), listeners.keySet());
        assertEquals(15001, listeners.get("virtualOutbound").getAddress().getSocketAddress().getPortValue());
        assertTrue(listeners.get("virtualOutbound").getUseOriginalDst().getValue());
        assertEquals(15006, listeners.get("virtualInbound").getAddress().getSocketAddress().getPortValue());
        assertEquals("envoy.filters.listener.original_dst", listeners.get("virtualInbound").getListenerFilters(0).getName());
        var inbound = listeners.get("virtualInbound").getFilterChains(0);
        assertEquals("inbound|9080||", inbound.getName());
        assertEquals(9080, inbound.getFilterChainMatch().getDestinationPort().getValue());
        assertFalse(listeners.get("0.0.0.0_9080").getBindToPort().getValue());
        RouteConfiguration port = unpack(state.resolve(TypeUrls.ROUTE, "9080", envoy), RouteConfiguration.class);
        assertTrue(port.getVirtualHosts(0).getDomainsList().containsAll(List.of(REVIEWS, "reviews", "reviews:9080", "reviews.default")));
        List<String> clusters = state.wildcard(TypeUrls.CLUSTER, envoy).stream().map(XdsResource::name).toList();
        assertTrue(clusters.containsAll(List.of("PassthroughCluster", "BlackHoleCluster", "InboundPassthroughCluster", "inbound|9080||",
                "outbound|9080||" + REVIEWS)));
    }

    @Test
    void malformedNodeIdsAreRefusedWithAMessage() {
        try {
            ProxyNode.parse(Node.newBuilder().setId("just-a-name").build());
            throw new AssertionError("accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("sidecar~<ip>~<pod>.<namespace>"), e.getMessage());
        }
        ProxyNode withMetadata = ProxyNode.parse(Node.newBuilder().setId("just-a-name")
                .setMetadata(Struct.newBuilder().putFields("NAMESPACE", Value.newBuilder().setStringValue("shop").build())).build());
        assertEquals("shop", withMetadata.namespace());
    }
}
