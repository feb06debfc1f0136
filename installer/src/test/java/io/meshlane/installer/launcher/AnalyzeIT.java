package io.meshlane.installer.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./meshlane analyze} against a {@code ./meshlane control} as a user starts them: clean configuration exits 0;
 * an unsupported field, a Gateway the translator refuses and a Gateway that selects no workload are each listed
 * with their condition, and the exit code is 1.
 */
class AnalyzeIT {
    @TempDir
    Path data;

    private record Run(int exit, String out) {
    }

    private static Run analyze(Path kubeconfig) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Process p = new ProcessBuilder(root.resolve("meshlane").toString(), "analyze", "--kubeconfig", kubeconfig.toString())
                .directory(root.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "meshlane analyze did not finish: " + out);
        return new Run(p.exitValue(), out);
    }

    @Test
    void listsObjectsMeshlaneDoesNotFullyActOnAndFailsThen() throws Exception {
        try (LaunchedControl control = LaunchedControl.embedded(data.resolve("control"))) {
            Run clean = analyze(control.kubeconfig());
            assertEquals(0, clean.exit(), clean.out());
            assertTrue(clean.out().contains("no problems found"), clean.out());

            Path objects = data.resolve("objects.yaml");
            Files.writeString(objects, """
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: reviews, namespace: default}
                    spec:
                      hosts: [reviews]
                      http: [{match: [{scheme: {exact: https}}], route: [{destination: {host: reviews}}]}]
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: no-cert, namespace: default}
                    spec:
                      selector: {istio: ingressgateway}
                      servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE}}]
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: nobody, namespace: default}
                    spec:
                      selector: {istio: no-such-gateway}
                      servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
                    """);
            LaunchedControl.kubectl(control.kubeconfig(), "apply", "-f", objects.toString());

            // the translator's conditions are written asynchronously after the apply: wait with kubectl (cheaper than
            // a launcher JVM per poll), then analyze once
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String conditions = "jsonpath={.items[*].status.conditions[*].reason}";
            while (!(LaunchedControl.kubectl(control.kubeconfig(), "get", "gateways", "-A", "-o", conditions).contains("NoWorkloadSelected")
                    && LaunchedControl.kubectl(control.kubeconfig(), "get", "gateways", "-A", "-o", conditions).contains("Rejected"))) {
                assertTrue(System.nanoTime() < deadline, "no conditions on the Gateways after 60 s");
                Thread.sleep(300);
            }
            Run found = analyze(control.kubeconfig());
            assertEquals(1, found.exit(), found.out());
            assertTrue(found.out().contains("VirtualService default/reviews FieldsSupported UnsupportedFields: field spec.http[0].match[0].scheme"),
                    found.out());
            assertTrue(found.out().contains("Gateway default/no-cert XdsAccepted Rejected: Gateway default/no-cert spec.servers[0].tls:"
                    + " SIMPLE needs credentialName"), found.out());
            assertTrue(found.out().contains("Gateway default/nobody WorkloadSelected NoWorkloadSelected: spec.selector"), found.out());
            assertTrue(found.out().contains("3 problem(s)"), found.out());
        }
    }
}
