package io.meshlane.control.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.registry.MeshEndpoint;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import io.meshlane.control.testing.Bookinfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every resource the translator produces for bookinfo and helloworld passes Envoy's own protoc-gen-validate
 * rules ({@link EnvoyRules}), for a sidecar and for a proxyless client, and keeps its structure: which
 * listeners, route configurations and clusters exist, and how many routes each route configuration holds.
 */
class EnvoyValidOutputTest {
    private static final ProxyNode SIDECAR = TranslatorTest.node("sidecar~10.9.0.7~productpage-v1.default~default.svc.cluster.local",
            Locality.parse("us-east/a/1"), false);
    private static final ProxyNode PROXYLESS = TranslatorTest.GRPC_EAST;

    private static MeshTranslation mesh(Map<String, List<String>> versions) {
        ServiceRegistry registry = new ServiceRegistry();
        MeshTranslation mesh = MeshTranslation.of(registry);
        registry.addListener(mesh.changes()::registryChanged);
        int address = 1;
        for (var service : versions.entrySet()) {
            String host = service.getKey() + ".default.svc.cluster.local";
            registry.replaceServices("k8s/c/" + service.getKey(), List.of(new MeshService(host, "default",
                    List.of(new ServicePort("http", 9080, "HTTP")), "k8s/c")));
            List<MeshEndpoint> eps = new ArrayList<>();
            for (String version : service.getValue()) {
                // "v1@team-a": a workload of version v1 in lane team-a
                String[] lane = version.split("@", 2);
                Map<String, String> labels = lane.length == 1 ? Map.of("app", service.getKey(), "version", version)
                        : Map.of("app", service.getKey(), "version", lane[0], Lanes.LABEL, lane[1]);
                eps.add(new MeshEndpoint(host, "10.0.0." + address++, Map.of(), labels, Locality.parse("us-east/a/1"), "c", "", true, 1));
            }
            registry.replaceEndpoints("k8s/c/slice/" + service.getKey(), eps);
        }
        mesh.changes().synced();
        return mesh;
    }

    private static void apply(MeshTranslation mesh, Path file) throws Exception {
        long revision = 0;
        var docs = TranslatorTest.YAML.readValues(TranslatorTest.YAML.getFactory().createParser(file.toFile()), JsonNode.class);
        while (docs.hasNext()) {
            JsonNode doc = docs.next();
            if (doc != null && doc.has("kind")) {
                mesh.changes().upsert(new MeshObject(doc.path("kind").asText(), "default", doc.path("metadata").path("name").asText(),
                        doc, ++revision));
            }
        }
    }

    /** Every resource a node can ask for, by type and name, checked against Envoy's rules; returns the structure. */
    private static Map<String, String> checkAll(MeshTranslation mesh, ProxyNode node) {
        Map<String, String> structure = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        for (XdsResource l : mesh.views().wildcard(TypeUrls.LISTENER, node)) {
            violations.addAll(EnvoyRules.violations(unpack(l, Listener.class)));
            structure.put("L " + l.name(), "");
        }
        for (var entry : mesh.cache().routes().entrySet()) {
            RouteConfiguration rc = unpack(entry.getValue(), RouteConfiguration.class);
            violations.addAll(EnvoyRules.violations(rc));
            structure.put("R " + entry.getKey(), rc.getVirtualHosts(0).getRoutesCount() + " routes");
        }
        for (XdsResource c : mesh.views().wildcard(TypeUrls.CLUSTER, node)) {
            Cluster cluster = unpack(c, Cluster.class);
            violations.addAll(EnvoyRules.violations(cluster));
            structure.put("C " + c.name(), cluster.getLbPolicy() + (cluster.hasTransportSocket() ? " tls" : ""));
            XdsResource eds = mesh.views().resolve(TypeUrls.ENDPOINT, c.name(), node);
            if (eds != null) {
                violations.addAll(EnvoyRules.violations(unpack(eds, ClusterLoadAssignment.class)));
            }
        }
        assertEquals(List.of(), violations, "resources Envoy would refuse");
        return structure;
    }

    private static <T extends Message> T unpack(XdsResource r, Class<T> type) {
        try {
            return r.any().unpack(type);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(r.name() + " is not a " + type.getSimpleName(), e);
        }
    }

    @Test
    void bookinfoIsEnvoyValidForSidecarsAndProxylessClients() throws Exception {
        MeshTranslation mesh = mesh(Map.of("productpage", List.of("v1"), "details", List.of("v1"), "ratings", List.of("v1"),
                "reviews", List.of("v1", "v2", "v3")));
        try (Stream<Path> files = Files.list(Bookinfo.directory())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                apply(mesh, f);
            }
        }
        assertEquals(List.of(), mesh.rejections().all());
        Map<String, String> golden = new TreeMap<>();
        for (String service : List.of("details", "productpage", "ratings", "reviews")) {
            String host = service + ".default.svc.cluster.local";
            golden.put("L " + host + ":9080", "");
            golden.put("C outbound|9080||" + host, "ROUND_ROBIN");
            golden.put("C outbound|9080|v1|" + host, "ROUND_ROBIN");
            golden.put("R " + host + ":9080", "1 routes");
        }
        List.of("details", "ratings", "reviews").forEach(s -> golden.put("C outbound|9080|v2|" + s + ".default.svc.cluster.local", "ROUND_ROBIN"));
        golden.put("C outbound|9080|v3|reviews.default.svc.cluster.local", "ROUND_ROBIN");
        golden.put("R ratings.default.svc.cluster.local:9080", "2 routes");
        assertEquals(golden, checkAll(mesh, PROXYLESS), "the last reviews VirtualService (all to v3) is in force, ratings delays jason");
        Map<String, String> sidecar = checkAll(mesh, SIDECAR);
        assertTrue(sidecar.keySet().stream().anyMatch(k -> k.startsWith("L ")), "a sidecar gets listeners: " + sidecar.keySet());
    }

    @Test
    void helloworldWithHashingTlsAndDelegationIsEnvoyValid() throws Exception {
        MeshTranslation mesh = mesh(Map.of("helloworld", List.of("v1", "v2")));
        apply(mesh, Path.of(EnvoyValidOutputTest.class.getResource("/helloworld/helloworld.yaml").toURI()));
        assertEquals(List.of(), mesh.rejections().all());
        Map<String, String> proxyless = checkAll(mesh, PROXYLESS);
        assertEquals("5 routes", proxyless.get("R helloworld.default.svc.cluster.local:9080"),
                "three delegated routes under /admin, the canary match, the split: " + proxyless);
        assertEquals("RING_HASH tls", proxyless.get("C outbound|9080|v1|helloworld.default.svc.cluster.local"), proxyless.toString());
        assertEquals("LEAST_REQUEST tls", proxyless.get("C outbound|9080|v2|helloworld.default.svc.cluster.local"), proxyless.toString());
        checkAll(mesh, SIDECAR);
    }

    @Test
    void lanesWithAMirrorAreEnvoyValid() throws Exception {
        MeshTranslation mesh = mesh(Map.of("productpage", List.of("v1", "v1@team-a"), "reviews", List.of("v1", "v2", "v2@team-a"),
                "ratings", List.of("v1", "v1@team-b")));
        Path lanes = Files.createTempFile("lanes", ".yaml");
        Files.writeString(lanes, """
                apiVersion: meshlane.io/v1alpha1
                kind: TestLane
                metadata: {name: team-a}
                spec: {mirror: {host: productpage, percent: 12.5}}
                ---
                apiVersion: meshlane.io/v1alpha1
                kind: TestLane
                metadata: {name: team-b}
                spec: {header: x-team.lane}
                """);
        apply(mesh, lanes);
        Files.delete(lanes);
        apply(mesh, Bookinfo.file("destination-rules.yaml"));
        assertEquals(List.of(), mesh.rejections().all());
        Map<String, String> proxyless = checkAll(mesh, PROXYLESS);
        assertEquals("3 routes", proxyless.get("R reviews.default.svc.cluster.local:9080"), "header and baggage per lane: " + proxyless);
        assertEquals("ROUND_ROBIN", proxyless.get("C outbound|9080|meshlane-lane-team-a|reviews.default.svc.cluster.local"), proxyless.toString());
        assertEquals("ROUND_ROBIN", proxyless.get("C outbound|9080|meshlane-lane-team-b|ratings.default.svc.cluster.local"), proxyless.toString());
        RouteConfiguration productpage = mesh.cache().route("productpage.default.svc.cluster.local:9080").any().unpack(RouteConfiguration.class);
        Route production = productpage.getVirtualHosts(0).getRoutesList().getLast();
        assertEquals("outbound|9080|meshlane-lane-team-a|productpage.default.svc.cluster.local",
                production.getRoute().getRequestMirrorPolicies(0).getCluster(), "production requests are copied to the lane: " + production);
        assertEquals(125_000, production.getRoute().getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue().getNumerator());
        checkAll(mesh, SIDECAR);
    }

    /** The checks can fail: resources that break Envoy's rules are named with the rule. */
    @Test
    void aResourceBreakingEnvoysRulesIsCaught() {
        RouteConfiguration bad = RouteConfiguration.newBuilder().setName("r").addVirtualHosts(
                io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("v").addDomains("*").addRoutes(Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/").addHeaders(HeaderMatcher.newBuilder().setName("x\nbad")
                                .setPresentMatch(true)))
                        .setRoute(RouteAction.newBuilder().setWeightedClusters(WeightedCluster.getDefaultInstance())))).build();
        List<String> violations = EnvoyRules.violations(bad);
        assertTrue(violations.stream().anyMatch(v -> v.contains("weighted_clusters.clusters: needs at least 1 items")), violations.toString());
        assertTrue(violations.stream().anyMatch(v -> v.contains("headers[0].name") && v.contains("HTTP_HEADER_NAME")), violations.toString());
        Cluster noName = Cluster.newBuilder().setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(-1)).build();
        assertTrue(EnvoyRules.violations(noName).stream().anyMatch(v -> v.contains("connect_timeout")), EnvoyRules.violations(noName).toString());
    }
}
