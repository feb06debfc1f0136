package io.meshlane.control.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.Bookinfo;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.TempDirs;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The acceptance, driven through the real kubectl on the Istio kinds the control plane
 * serves from its first start: the project's bookinfo mesh, printer columns, round trips,
 * generation, watch, explain and optimistic concurrency. Subclasses choose the store engine.
 * Istio's own CRD file, samples and validation corpus are {@link IstioConformanceTest}'s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class KubectlAcceptance {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    protected Path dataDir;
    protected ControlPlane plane;
    protected Kubectl kubectl;
    protected ApiClient api;

    /** The options for this engine, given a fresh data directory. */
    protected abstract ControlPlaneOptions options(Path dataDir) throws Exception;

    protected void stopEngine() {
    }

    @BeforeAll
    void startControlPlane() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-acceptance");
        plane = ControlPlane.start(options(dataDir).withListen("127.0.0.1", 0));
        kubectl = new Kubectl(plane.kubeconfig());
        api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
        kubectl.ok("create", "namespace", "istio-system");
    }

    @AfterAll
    void stopControlPlane() {
        try {
            if (plane != null) {
                plane.close();
            }
        } finally {
            stopEngine();
            TempDirs.delete(dataDir);
        }
    }

    static String line(String table, String startsWith) {
        return table.lines().filter(l -> l.startsWith(startsWith)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with '" + startsWith + "' in:\n" + table));
    }

    JsonNode getJson(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("get"));
        all.addAll(List.of(args));
        all.addAll(List.of("-o", "json"));
        return JSON.readTree(kubectl.ok(all.toArray(String[]::new)));
    }

    @Test
    @Order(1)
    void apiResourcesListsTheIstioKindsWithTheirShortNames() {
        String out = kubectl.ok("api-resources");
        assertTrue(line(out, "virtualservices ").matches("virtualservices\\s+vs\\s+networking.istio.io/v1\\s+true\\s+VirtualService\\s*"), out);
        assertTrue(line(out, "destinationrules ").matches("destinationrules\\s+dr\\s+networking.istio.io/v1\\s+true\\s+DestinationRule\\s*"), out);
        assertTrue(line(out, "gateways ").contains("gw"), out);
        assertTrue(line(out, "serviceentries ").contains("se"), out);
        assertTrue(line(out, "peerauthentications ").contains("security.istio.io/v1"), out);
        assertTrue(line(out, "accelerationpolicies ").matches("accelerationpolicies\\s+accel\\s+meshlane.io/v1alpha1\\s+true\\s+AccelerationPolicy\\s*"), out);
        assertTrue(line(out, "namespaces ").contains("ns"), out);
    }

    @Test
    @Order(2)
    void everyBookinfoFileApplies() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(Bookinfo.directory())) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path f : files) {
            String out = kubectl.ok("apply", "-f", f.toString());
            assertTrue(out.contains("created") || out.contains("configured") || out.contains("unchanged"), f + ": " + out);
        }
        kubectl.ok("apply", "-f", Bookinfo.file("all-to-v1.yaml").toString());
        assertEquals(4, getJson("dr").path("items").size());
        assertEquals("istio-system", getJson("gw", "-n", "istio-system").path("items").get(0).path("metadata").path("namespace").asText());
    }

    @Test
    @Order(3)
    void getVirtualServicesInAllNamespacesShowsIstiosPrinterColumns() {
        String out = kubectl.ok("get", "vs", "-A");
        assertTrue(out.lines().findFirst().orElseThrow().matches("NAMESPACE\\s+NAME\\s+GATEWAYS\\s+HOSTS\\s+AGE\\s*"), out);
        assertTrue(line(out, "default").contains("bookinfo"), out);
        String bookinfo = out.lines().filter(l -> l.matches("default\\s+bookinfo\\s.*")).findFirst().orElseThrow();
        assertTrue(bookinfo.matches("default\\s+bookinfo\\s+\\[\"bookinfo-gateway\"]\\s+\\[\"\\*\"]\\s+\\d+[smhd].*"), bookinfo);
        String reviews = out.lines().filter(l -> l.matches("default\\s+reviews\\s.*")).findFirst().orElseThrow();
        assertTrue(reviews.matches("default\\s+reviews\\s+\\[\"reviews\"]\\s+\\d+[smhd].*"), reviews);
    }

    @Test
    @Order(3)
    void theIstioCategoryListsEveryIstioKind() {
        String out = kubectl.ok("get", "istio-io");
        assertTrue(out.contains("virtualservice.networking.istio.io/reviews"), out);
        assertTrue(out.contains("destinationrule.networking.istio.io/reviews"), out);
        assertTrue(out.contains("gateway.networking.istio.io/bookinfo-gateway"), out);
    }

    @Test
    @Order(4)
    void yamlRoundTrips() throws Exception {
        String yaml = kubectl.ok("get", "vs", "reviews", "-o", "yaml");
        Path file = dataDir.resolve("reviews.yaml");
        Files.writeString(file, yaml);
        kubectl.ok("replace", "-f", file.toString());
        JsonNode before = YAML.readTree(yaml);
        JsonNode after = YAML.readTree(kubectl.ok("get", "vs", "reviews", "-o", "yaml"));
        assertEquals(before.path("spec"), after.path("spec"));
        assertEquals(before.path("metadata").path("uid"), after.path("metadata").path("uid"));
        assertEquals(before.path("metadata").path("generation"), after.path("metadata").path("generation"),
                "replacing with identical content keeps the generation");
        JsonNode source = YAML.readTree(Bookinfo.file("all-to-v1.yaml").toFile());
        assertTrue(after.path("metadata").path("creationTimestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));
        assertFalse(source.isEmpty());
    }

    @Test
    @Order(5)
    void reapplyingAChangedFilePatchesTheObjectAndBumpsGeneration() throws Exception {
        JsonNode before = getJson("vs", "reviews");
        String out = kubectl.ok("apply", "-f", Bookinfo.file("reviews-v3.yaml").toString());
        assertTrue(out.contains("virtualservice.networking.istio.io/reviews configured"), out);
        JsonNode after = getJson("vs", "reviews");
        assertEquals(before.path("metadata").path("generation").asLong() + 1, after.path("metadata").path("generation").asLong());
        assertEquals("v3", after.path("spec").path("http").get(0).path("route").get(0).path("destination").path("subset").asText());
        assertEquals(before.path("metadata").path("uid"), after.path("metadata").path("uid"));
        String again = kubectl.ok("apply", "-f", Bookinfo.file("reviews-v3.yaml").toString());
        assertTrue(again.contains("unchanged"), again);
        assertEquals(after.path("metadata").path("generation"), getJson("vs", "reviews").path("metadata").path("generation"));
        kubectl.ok("label", "vs", "reviews", "team=bookinfo");
        assertEquals(after.path("metadata").path("generation"), getJson("vs", "reviews").path("metadata").path("generation"),
                "a metadata-only change keeps the generation");
    }

    @Test
    @Order(6)
    void watchPrintsAChangeMadeByAnotherClient() throws Exception {
        Path output = dataDir.resolve("watch.out");
        Process watch = kubectl.start(output, "get", "vs", "-w");
        try {
            waitFor(() -> Files.readString(output).contains("ratings"), "the watch's initial list");
            String patch = "{\"spec\":{\"hosts\":[\"ratings\",\"ratings.default.svc.cluster.local\"]}}";
            HttpResponse<String> r = api.send("PATCH", "/apis/networking.istio.io/v1/namespaces/default/virtualservices/ratings",
                    "application/merge-patch+json", patch.getBytes(StandardCharsets.UTF_8));
            assertEquals(200, r.statusCode(), r.body());
            waitFor(() -> Files.readString(output).contains("ratings.default.svc.cluster.local"), "the other client's change in kubectl get -w");
        } finally {
            watch.destroy();
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void waitFor(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (check.holds()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    @Test
    @Order(7)
    void explainDescribesVirtualServiceHttpRoutes() {
        String out = kubectl.ok("explain", "virtualservice.spec.http");
        assertTrue(out.contains("KIND:       VirtualService"), out);
        assertTrue(out.contains("FIELD: http <[]Object>"), out);
        assertTrue(out.contains("An ordered list of route rules for HTTP traffic"), out);
        assertTrue(out.contains("route\t<[]Object>"), out);
        String nested = kubectl.ok("explain", "vs.spec.http.route.destination.host");
        assertTrue(nested.contains("FIELD: host <string>"), nested);
    }

    @Test
    @Order(10)
    void anUpdateWithAStaleResourceVersionGets409() throws Exception {
        JsonNode stale = getJson("vs", "details");
        kubectl.ok("label", "vs", "details", "changed=yes");
        Path file = dataDir.resolve("stale.json");
        Files.writeString(file, JSON.writeValueAsString(stale));
        Kubectl.Result r = kubectl.run("replace", "-f", file.toString());
        assertFalse(r.ok(), r.toString());
        assertTrue(r.err().contains("Operation cannot be fulfilled on virtualservices.networking.istio.io \"details\": the object has been modified"), r.err());
        HttpResponse<String> raw = api.send("PUT", "/apis/networking.istio.io/v1/namespaces/default/virtualservices/details",
                "application/json", JSON.writeValueAsBytes(stale));
        assertEquals(409, raw.statusCode());
        JsonNode status = JSON.readTree(raw.body());
        assertEquals("Status", status.path("kind").asText());
        assertEquals("Conflict", status.path("reason").asText());
        assertEquals("yes", getJson("vs", "details").path("metadata").path("labels").path("changed").asText());
    }

    @Test
    @Order(11)
    void deleteReturnsPromptlyAndTheObjectIsGone() {
        long start = System.nanoTime();
        String out = kubectl.ok("delete", "vs", "bookinfo");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(out.contains("virtualservice.networking.istio.io \"bookinfo\" deleted"), out);
        assertTrue(millis < 5_000, "kubectl delete took " + millis + " ms");
        Kubectl.Result gone = kubectl.run("get", "vs", "bookinfo");
        assertTrue(gone.err().contains("virtualservices.networking.istio.io \"bookinfo\" not found"), gone.toString());
    }

    @Test
    @Order(12)
    void finalizersHoldAnObjectUntilTheyAreRemoved() throws Exception {
        String policy = """
                apiVersion: meshlane.io/v1alpha1
                kind: AccelerationPolicy
                metadata:
                  name: fast
                  finalizers: [meshlane.io/agents]
                spec:
                  acceleration: Enabled
                  clusters: [east, west]
                """;
        kubectl.runWithInput(policy, "apply", "-f", "-");
        String table = kubectl.ok("get", "accelerationpolicies");
        assertTrue(table.lines().findFirst().orElseThrow().matches("NAME\\s+ACCELERATION\\s+CLUSTERS\\s+AGE\\s*"), table);
        assertTrue(line(table, "fast").matches("fast\\s+Enabled\\s+\\[\"east\",\"west\"]\\s+\\d+s\\s*"), table);
        kubectl.ok("delete", "accel", "fast", "--wait=false");
        JsonNode held = getJson("accel", "fast");
        assertTrue(held.path("metadata").hasNonNull("deletionTimestamp"), held.toString());
        kubectl.ok("patch", "accel", "fast", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}");
        waitFor(() -> kubectl.run("get", "accel", "fast").err().contains("not found"), "the finalized policy to disappear");
        Kubectl.Result bad = kubectl.runWithInput(policy.replace("Enabled", "Sometimes").replace("  finalizers: [meshlane.io/agents]\n", ""), "apply", "-f", "-");
        assertTrue(bad.err().contains("spec.acceleration: Unsupported value: \"Sometimes\": supported values: \"Enabled\", \"Disabled\""), bad.toString());
    }

    @Test
    @Order(13)
    void istioSemanticChecksRejectWhatTheSchemaCannot() {
        String zeroWeights = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: zero
                spec:
                  hosts: [a, a]
                  http:
                  - route:
                    - destination: {host: a}
                      weight: 0
                    - destination: {host: b}
                      weight: 0
                    redirect: {uri: /x}
                """;
        Kubectl.Result r = kubectl.runWithInput(zeroWeights, "create", "-f", "-");
        assertTrue(r.err().contains("total destination weight = 0"), r.toString());
        assertTrue(r.err().contains("HTTP route cannot contain both route and redirect"), r.toString());
        assertTrue(r.err().contains("spec.hosts[1]: Duplicate value: \"a\""), r.toString());
        String locality = """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: locality
                spec:
                  host: a
                  subsets: [{name: v1}, {name: v1}]
                  trafficPolicy:
                    loadBalancer:
                      localityLbSetting:
                        distribute: [{from: "r/z/*", to: {"r/z/*": 60}}]
                        failover: [{from: r, to: s}]
                """;
        Kubectl.Result l = kubectl.runWithInput(locality, "create", "-f", "-");
        assertTrue(l.err().contains("can not simultaneously set 'distribute' and 'failover'"), l.toString());
        assertTrue(l.err().contains("total locality weight 60 != 100"), l.toString());
        assertTrue(l.err().contains("spec.subsets[1].name: Duplicate value: \"v1\""), l.toString());
        assertNotEquals(0, l.exit());
    }

    @Test
    @Order(14)
    void testLanesShowTheirHeaderAndMirrorAndRefuseBadInput() {
        String lane = """
                apiVersion: meshlane.io/v1alpha1
                kind: TestLane
                metadata: {name: team-a}
                spec:
                  header: x-meshlane-lane
                  services: [reviews]
                  mirror: {host: reviews, percent: 25}
                """;
        kubectl.runWithInput(lane, "apply", "-f", "-");
        String table = kubectl.ok("get", "testlanes");
        assertTrue(table.lines().findFirst().orElseThrow().matches("NAME\\s+HEADER\\s+SERVICES\\s+MIRROR\\s+MIRROR-%\\s+TRAFFIC-%\\s+REQUESTS/S\\s+AGE\\s*"), table);
        assertTrue(line(table, "team-a").matches("team-a\\s+x-meshlane-lane\\s+reviews\\s+25\\s+\\d+s\\s*"), table);
        assertTrue(kubectl.ok("get", "lane").contains("team-a"), "the short name lists lanes");
        Kubectl.Result bad = kubectl.runWithInput(lane.replace("percent: 25", "percent: 150").replace("x-meshlane-lane", "X Lane")
                .replace("[reviews]", "[Reviews_v2]").replace("team-a", "team-z"), "apply", "-f", "-");
        assertNotEquals(0, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("spec.mirror.percent: Invalid value: 150"), bad.toString());
        assertTrue(bad.err().contains("spec.header: Invalid value: \"X Lane\""), bad.toString());
        assertTrue(bad.err().contains("spec.services[0]: Invalid value: \"Reviews_v2\""), bad.toString());
        Kubectl.Result noHost = kubectl.runWithInput(lane.replace("{host: reviews, percent: 25}", "{percent: 5}").replace("team-a", "team-y"),
                "apply", "-f", "-");
        assertTrue(noHost.err().contains("spec.mirror.host: Required value"), noHost.toString());
        assertTrue(kubectl.run("get", "testlane", "team-z").err().contains("not found"), "nothing of the bad lane was stored");
        kubectl.ok("delete", "testlane", "team-a");
    }
}
