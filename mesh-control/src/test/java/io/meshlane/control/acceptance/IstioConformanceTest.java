package io.meshlane.control.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.Documents;
import io.meshlane.control.testing.IstioTestData;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.TempDirs;
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
 * Conformance with Istio's own material, through the real kubectl: Istio's CRD file applied over the
 * built-in kinds, every bookinfo sample Istio ships, and Istio's validation corpus (each invalid
 * document refused with Istio's error, each valid one accepted). Skipped, with the reason, where
 * that material is absent ({@link IstioTestData}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IstioConformanceTest {

    private Path dataDir;
    private ControlPlane plane;
    private Kubectl kubectl;
    private boolean istioCrdsApplied;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-conformance");
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0));
        kubectl = new Kubectl(plane.kubeconfig());
        kubectl.ok("create", "namespace", "istio-system");
    }

    @AfterAll
    void stop() {
        if (plane != null) {
            plane.close();
        }
        TempDirs.delete(dataDir);
    }

    /** Each test asks for what it reads, so each one is skipped with its own reason when it is absent. */
    private Kubectl withIstiosCrds() {
        Path crds = IstioTestData.crdFile();
        if (!istioCrdsApplied) {
            kubectl.ok("apply", "-f", crds.toString());
            istioCrdsApplied = true;
        }
        return kubectl;
    }

    @Test
    @Order(0)
    void istiosSamplesAndValidDocumentsApplyOnTheBuiltInKindsAndSurviveIstiosCrds() throws Exception {
        assertTrue(!istioCrdsApplied, "this test runs on the built-in kinds, before Istio's CRDs are applied");
        Path bookinfo = IstioTestData.bookinfo();
        Path validation = IstioTestData.validationCases();
        IstioTestData.crdFile();
        for (Path f : files(bookinfo, ".yaml")) {
            Kubectl.Result r = kubectl.run("apply", "-f", f.toString());
            assertTrue(r.ok(), "the built-in kinds refused Istio's own sample " + f.getFileName() + ": " + r);
        }
        kubectl.ok("apply", "-f", bookinfo.resolve("virtual-service-reviews-90-10.yaml").toString());
        List<String> refused = new ArrayList<>();
        for (Path file : files(validation, "-valid.yaml")) {
            for (Documents doc : Documents.read(file)) {
                Kubectl.Result r = kubectl.runWithInput(doc.yaml(), "apply", "-f", "-");
                if (!r.ok()) {
                    refused.add(doc + ": " + r);
                }
            }
        }
        assertTrue(refused.isEmpty(), "valid Istio configuration must never be refused by the built-in kinds:\n" + String.join("\n", refused));
        String before = kubectl.ok("get", "vs,dr,gw", "-o", "name");
        withIstiosCrds();
        assertEquals(before, kubectl.ok("get", "vs,dr,gw", "-o", "name"), "Istio's CRDs applied over the built-in ones keep every object");
        assertEquals("90 10", kubectl.ok("get", "vs", "reviews", "-o", "jsonpath={.spec.http[0].route[*].weight}"));
    }

    @Test
    @Order(1)
    void everyIstioBookinfoSampleApplies() throws Exception {
        Kubectl k = withIstiosCrds();
        List<Path> files = files(IstioTestData.bookinfo(), ".yaml");
        for (Path f : files) {
            String out = k.ok("apply", "-f", f.toString());
            assertTrue(out.contains("created") || out.contains("configured") || out.contains("unchanged"), f + ": " + out);
        }
        k.ok("apply", "-f", IstioTestData.bookinfo().resolve("virtual-service-all-v1.yaml").toString());
        assertTrue(k.ok("get", "vs").contains("reviews"));
    }

    @Test
    @Order(2)
    void explainShowsIstiosOwnDescriptions() {
        String out = withIstiosCrds().ok("explain", "virtualservice.spec.http");
        assertTrue(out.contains("An ordered list of route rules for HTTP traffic."), out);
    }

    @Test
    @Order(3)
    void everyInvalidValidationDocumentIsRejectedWithItsError() throws Exception {
        Kubectl k = withIstiosCrds();
        List<String> failures = new ArrayList<>();
        for (Path file : files(IstioTestData.validationCases(), "-invalid.yaml")) {
            for (Documents doc : Documents.read(file)) {
                Kubectl.Result r = k.runWithInput(doc.yaml(), "create", "-f", "-");
                if (r.ok() || doc.expectedError() == null || !r.err().contains(doc.expectedError())) {
                    failures.add(doc + ": expected an error containing '" + doc.expectedError() + "', got " + r);
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    @Order(4)
    void everyValidValidationDocumentIsAccepted() throws Exception {
        Kubectl k = withIstiosCrds();
        List<String> failures = new ArrayList<>();
        int accepted = 0;
        for (Path file : files(IstioTestData.validationCases(), "-valid.yaml")) {
            for (Documents doc : Documents.read(file)) {
                Kubectl.Result r = k.runWithInput(doc.yaml(), "apply", "-f", "-");
                if (!r.ok()) {
                    failures.add(doc + ": " + r);
                } else {
                    accepted++;
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(accepted >= 15, "only " + accepted + " valid documents found");
    }

    /** Istio's security kinds, under Istio's own CRDs: their CEL rules reject what Istio rejects, with Istio's messages. */
    @Test
    @Order(5)
    void securityKindsRulesRejectWhatIstioRejects() {
        Kubectl k = withIstiosCrds();
        String pa = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: %s, namespace: istio-system}\nspec:\n%s";
        String ra = "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: %s, namespace: istio-system}\nspec:\n%s";
        String ap = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: %s, namespace: istio-system}\nspec:\n%s";
        String selector = "  selector: {matchLabels: {app: ratings}}\n";
        String jwt = "  jwtRules:\n  - issuer: https://idp.example\n";
        List<String[]> rejected = List.of(
                new String[] {pa.formatted("port-zero", selector + "  portLevelMtls: {\"0\": {mode: STRICT}}"),
                        "spec.portLevelMtls: Invalid value: \"object\": port must be between 1-65535"},
                new String[] {pa.formatted("port-name", selector + "  portLevelMtls: {http: {mode: STRICT}}"),
                        "evaluating rule: port must be between 1-65535"},
                new String[] {pa.formatted("no-selector", "  portLevelMtls: {\"8080\": {mode: STRICT}}"),
                        "spec: Invalid value: \"object\": portLevelMtls requires selector"},
                new String[] {ra.formatted("ftp-jwks", jwt + "    jwksUri: ftp://idp.example/keys"),
                        "spec.jwtRules[0].jwksUri: Invalid value: \"ftp://idp.example/keys\": url must have scheme http:// or https://"},
                new String[] {ra.formatted("fast-timeout", jwt + "    timeout: 500us"),
                        "spec.jwtRules[0].timeout: Invalid value: \"500us\": must be a valid duration greater than 1ms"},
                new String[] {ra.formatted("two-jwks", jwt + "    jwksUri: https://idp.example/keys\n    jwks: '{}'"),
                        "spec.jwtRules[0]: Invalid value: \"object\": only one of jwks or jwksUri can be set"},
                new String[] {ap.formatted("ref-and-refs", "  targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: a}\n"
                        + "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: b}]"),
                        "spec: Invalid value: \"object\": only one of targetRefs or selector can be set"},
                new String[] {ap.formatted("selector-and-ref", selector + "  targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: a}"),
                        "spec: Invalid value: \"object\": only one of targetRefs or selector can be set"});
        List<String> failures = new ArrayList<>();
        for (String[] c : rejected) {
            Kubectl.Result r = k.runWithInput(c[0], "create", "-f", "-");
            if (r.ok() || !r.err().contains(c[1])) {
                failures.add(c[0] + "\n  expected an error containing '" + c[1] + "', got " + r);
            }
        }
        for (String valid : List.of(pa.formatted("port-ok", selector + "  portLevelMtls: {\"8080\": {mode: STRICT}}"),
                ra.formatted("jwks-ok", jwt + "    jwksUri: https://idp.example/keys\n    timeout: 5s"),
                ap.formatted("ref-ok", "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: b}]"))) {
            Kubectl.Result r = k.runWithInput(valid, "create", "-f", "-");
            if (!r.ok()) {
                failures.add(valid + "\n  expected to be accepted, got " + r);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static List<Path> files(Path dir, String suffix) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
            assertFalse(files.isEmpty(), "no *" + suffix + " files in " + dir);
            return files;
        }
    }
}
