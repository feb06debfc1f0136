package io.meshlane.control.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A field meshlane does not act on is never silently ignored: the real kubectl prints the server's warning
 * on apply, the object is stored all the same, its status carries the FieldsSupported condition, and the
 * condition turns True once the field is gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnsupportedFieldsKubectlTest {
    private static final String CONDITION = "{.status.conditions[?(@.type==\"FieldsSupported\")]";

    private Path dataDir;
    private ControlPlane plane;
    private Kubectl kubectl;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-unsupported-fields");
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0));
        kubectl = new Kubectl(plane.kubeconfig());
    }

    @AfterAll
    void stop() {
        if (plane != null) {
            plane.close();
        }
        TempDirs.delete(dataDir);
    }

    private static String reviews(String extraMatch) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - headers: {end-user: {exact: jason}}
                """ + extraMatch + """
                    route: [{destination: {host: reviews, subset: v2}}]
                  - route: [{destination: {host: reviews, subset: v1}}]
                """;
    }

    @Test
    void kubectlWarnsOfAnUnsupportedFieldAndTheStatusKeepsSayingSo() {
        Kubectl.Result applied = kubectl.runWithInput(reviews("      scheme: {exact: https}\n"), "apply", "-f", "-");
        assertTrue(applied.ok(), applied.toString());
        assertTrue(applied.out().contains("virtualservice.networking.istio.io/reviews created"), applied.toString());
        assertTrue(applied.err().contains("Warning: VirtualService default/reviews: field spec.http[0].match[0].scheme"
                + " is not supported by meshlane and has no effect"), applied.toString());
        assertEquals("{\"exact\":\"https\"}", kubectl.ok("get", "vs", "reviews", "-o", "jsonpath={.spec.http[0].match[0].scheme}"),
                "the field is stored: Istio's API allows it");
        assertEquals("False UnsupportedFields", kubectl.ok("get", "vs", "reviews", "-o", "jsonpath=" + CONDITION + ".status} " + CONDITION + ".reason}"));
        assertTrue(kubectl.ok("get", "vs", "reviews", "-o", "jsonpath=" + CONDITION + ".message}").contains("spec.http[0].match[0].scheme"));

        Kubectl.Result fixed = kubectl.runWithInput(reviews(""), "apply", "-f", "-");
        assertTrue(fixed.ok(), fixed.toString());
        assertFalse(fixed.err().contains("Warning"), fixed.toString());
        assertEquals("True", kubectl.ok("get", "vs", "reviews", "-o", "jsonpath=" + CONDITION + ".status}"));
    }

    @Test
    void aGatewayFieldMeshlaneDoesNotActOnIsAcceptedWithAWarning() {
        Kubectl.Result applied = kubectl.runWithInput("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: ingress}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"], bind: 127.0.0.1}]
                """, "apply", "-f", "-");
        assertTrue(applied.ok(), applied.toString());
        assertTrue(applied.err().contains("Warning: Gateway default/ingress: field spec.servers[0].bind is not supported by meshlane"),
                applied.toString());
        assertEquals("False", kubectl.ok("get", "gateway", "ingress", "-o", "jsonpath=" + CONDITION + ".status}"));
    }
}
