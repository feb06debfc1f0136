package io.meshlane.control.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.IstioTestData;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.TempDirs;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's kinds are served from the first start, with no CRD applied: the real kubectl applies
 * a routing set, prints Istio's columns, explains the schema, and gets its usual answer for a
 * kind nobody installed. Istio's own CRD file applied over them keeps the objects, and a restart
 * keeps Istio's CRDs.
 */
class BuiltinIstioKindsTest {

    private Path dataDir;
    private ControlPlane plane;

    /** The options for the store engine under test; the embedded store here. */
    protected ControlPlaneOptions options(Path dataDir) throws Exception {
        return ControlPlaneOptions.defaults().withDataDir(dataDir);
    }

    @AfterEach
    void stop() {
        if (plane != null) {
            plane.close();
        }
        stopEngine();
        TempDirs.delete(dataDir);
    }

    protected void stopEngine() {
    }

    private Kubectl start() throws Exception {
        if (dataDir == null) {
            dataDir = Files.createTempDirectory("meshlane-builtin-istio");
        }
        plane = ControlPlane.start(options(dataDir).withListen("127.0.0.1", 0));
        return new Kubectl(plane.kubeconfig());
    }

    private static String resource(String name) throws URISyntaxException {
        return Path.of(BuiltinIstioKindsTest.class.getResource(name).toURI()).toString();
    }

    @Test
    void istioKindsAreListedAsCrdsAtTheFirstStart() throws Exception {
        Kubectl kubectl = start();
        String crds = kubectl.ok("get", "crd", "-o", "name");
        for (String name : List.of("virtualservices.networking.istio.io", "destinationrules.networking.istio.io",
                "gateways.networking.istio.io", "serviceentries.networking.istio.io", "workloadentries.networking.istio.io",
                "workloadgroups.networking.istio.io", "sidecars.networking.istio.io", "authorizationpolicies.security.istio.io",
                "peerauthentications.security.istio.io", "requestauthentications.security.istio.io", "telemetries.telemetry.istio.io")) {
            assertTrue(crds.contains("customresourcedefinition.apiextensions.k8s.io/" + name), name + " missing from:\n" + crds);
        }
        String resources = kubectl.ok("api-resources", "--api-group=networking.istio.io");
        assertTrue(resources.lines().anyMatch(l -> l.startsWith("virtualservices") && l.contains(" vs ")), resources);
        assertTrue(resources.lines().anyMatch(l -> l.startsWith("destinationrules") && l.contains(" dr ")), resources);
    }

    @Test
    void routingAppliesWithoutAnyCrdAndPrintsIstioColumns() throws Exception {
        Kubectl kubectl = start();
        String applied = kubectl.ok("apply", "-f", resource("builtin-istio-routing.yaml"));
        assertTrue(applied.contains("virtualservice.networking.istio.io/reviews created"), applied);
        assertTrue(applied.contains("peerauthentication.security.istio.io/default created"), applied);
        String vs = kubectl.ok("get", "vs");
        String header = vs.lines().findFirst().orElseThrow();
        assertTrue(header.matches("NAME\\s+GATEWAYS\\s+HOSTS\\s+AGE\\s*"), vs);
        assertTrue(vs.lines().anyMatch(l -> l.matches("reviews\\s+\\[\"mesh\"\\]\\s+\\[\"reviews\"\\]\\s+\\S+\\s*")), vs);
        String dr = kubectl.ok("get", "dr");
        assertEquals(5, dr.lines().count(), dr);
        assertTrue(kubectl.ok("get", "pa").lines().anyMatch(l -> l.matches("default\\s+STRICT\\s+\\S+\\s*")));
        String weights = kubectl.ok("get", "vs", "reviews", "-o", "jsonpath={.spec.http[0].route[*].weight}");
        assertEquals("90 10", weights);
    }

    @Test
    void aWrongTypeOnAFieldMeshlaneActsOnIsRefusedWithItsPath() throws Exception {
        Kubectl kubectl = start();
        Kubectl.Result r = kubectl.runWithInput("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: bad}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews}
                      weight: "ninety"
                """, "apply", "-f", "-");
        assertTrue(!r.ok() && r.err().contains("spec.http[0].route[0].weight"), r.toString());
        Kubectl.Result unknown = kubectl.runWithInput("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: extra}
                spec:
                  hosts: [reviews]
                  http:
                  - mirrorPercentage: {value: 5.0}
                    route:
                    - destination: {host: reviews}
                """, "apply", "-f", "-");
        assertTrue(unknown.ok(), "fields meshlane does not read are kept, not refused: " + unknown);
        assertEquals("5", kubectl.ok("get", "vs", "extra", "-o", "jsonpath={.spec.http[0].mirrorPercentage.value}"));
    }

    @Test
    void explainDescribesTheHttpRoutes() throws Exception {
        Kubectl kubectl = start();
        String explain = kubectl.ok("explain", "virtualservice.spec.http");
        assertTrue(explain.contains("KIND:") && explain.contains("VirtualService"), explain);
        assertTrue(explain.contains("route") && explain.contains("match") && explain.contains("timeout"), explain);
        String route = kubectl.ok("explain", "virtualservice.spec.http.route.destination");
        assertTrue(route.contains("subset") && route.contains("host"), route);
    }

    @Test
    void anUnservedKindGetsKubectlsNoMatchesMessage() throws Exception {
        Kubectl kubectl = start();
        Kubectl.Result r = kubectl.run("apply", "-f", resource("unserved-kind.yaml"));
        assertTrue(!r.ok() && r.err().contains("no matches for kind \"EnvoyFilter\" in version \"networking.istio.io/v1alpha3\"")
                && r.err().contains("ensure CRDs are installed first"), r.toString());
    }

    @Test
    void istiosOwnCrdsReplaceTheBuiltInOnesKeepTheObjectsAndSurviveARestart() throws Exception {
        Path istioCrds = IstioTestData.crdFile();
        Kubectl kubectl = start();
        kubectl.ok("apply", "-f", resource("builtin-istio-routing.yaml"));
        kubectl.ok("apply", "-f", istioCrds.toString());
        String full = kubectl.ok("get", "crd", "virtualservices.networking.istio.io", "-o", "jsonpath={.spec.versions[0].schema.openAPIV3Schema.description}");
        assertTrue(!full.contains("meshlane"), "Istio's schema should replace the built-in one: " + full);
        assertTrue(kubectl.ok("get", "vs", "reviews").contains("reviews"));
        assertEquals(5, kubectl.ok("get", "dr").lines().count());
        plane.close();
        plane = null;
        kubectl = start();
        String after = kubectl.ok("get", "crd", "virtualservices.networking.istio.io", "-o", "jsonpath={.spec.versions[0].schema.openAPIV3Schema.description}");
        assertEquals(full, after, "a restart must not revert to the built-in CRD");
        assertEquals("90 10", kubectl.ok("get", "vs", "reviews", "-o", "jsonpath={.spec.http[0].route[*].weight}"));
    }
}
