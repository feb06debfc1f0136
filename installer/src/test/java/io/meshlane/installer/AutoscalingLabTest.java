package io.meshlane.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.MockMemberCluster;
import io.meshlane.lab.node.JavaCommand;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.TelemetrySpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Autoscaling on the lab's real traffic: the load generator's requests cross the eBPF-redirected sidecars of
 * the instrumented productpage → reviews → ratings chain, whose OTLP export is the telemetry the engine reads;
 * a MetricAutoscaler on reviews' request rate scales reviews up when the load rises and back down when it falls.
 * The member cluster is fabric8's Kubernetes mock server (no kube-apiserver runs here, and the lab cannot add
 * or remove pods while it runs): the scale calls it receives are the assertions.
 */
class AutoscalingLabTest {

    private static final String LAB = "hpalab";

    @TempDir
    Path data;

    @Test
    void reviewsScalesUpWithTheLoadAndBackDownWhenItFalls() throws Exception {
        NodeLab.down(LAB);
        try (MockMemberCluster member = MockMemberCluster.start("bookinfo", 1, "reviews");
             ControlPlane plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(data).withListen("127.0.0.1", 0)
                     .withTelemetry(TelemetryOptions.defaults().withCluster("lab").withPorts(TelemetryOptions.OFF, 0)
                             .withOtlpInsecureLoopback(true)))) {
            Kubectl kubectl = new Kubectl(plane.kubeconfig());
            kubectl.ok("create", "namespace", "bookinfo");
            Kubectl.Result credential = kubectl.runWithInput("apiVersion: meshlane.io/v1alpha1\nkind: MemberClusterCredential\n"
                    + "metadata: {name: lab}\nspec:\n  kubeconfig: |\n" + member.kubeconfig("lab", "lab-token").indent(4), "create", "-f", "-");
            assertTrue(credential.ok(), credential.toString());
            // 5 requests/s per replica over a 15 s window; down after 3 s of lower recommendations
            Kubectl.Result applied = kubectl.runWithInput("""
                    apiVersion: meshlane.io/v1alpha1
                    kind: MetricAutoscaler
                    metadata: {name: reviews, namespace: bookinfo}
                    spec: {scaleTargetRef: {cluster: lab, kind: Deployment, name: reviews}, minReplicas: 1, maxReplicas: 6,
                           windowSeconds: 15, intervalSeconds: 1,
                           metrics: [{type: Service, service: {name: reviews, metric: RequestRate}, target: {type: AverageValue, averageValue: "5"}}],
                           behavior: {scaleDown: {stabilizationWindowSeconds: 3, policies: [{type: Percent, value: 100, periodSeconds: 5}]}}}
                    """, "apply", "-f", "-");
            assertTrue(applied.ok(), applied.toString());

            LabSpec spec = TelemetryEndToEndTest.chainLab().withName(LAB).withTelemetry(TelemetrySpec.http("http://127.0.0.1:" + plane.telemetry().otlpHttpPort()));
            try (NodeLab lab = NodeLab.up(spec)) {
                // 20 requests/s to productpage, each calling reviews once: 4 replicas' worth
                long up = System.nanoTime();
                load(lab, "high", 20, Duration.ofSeconds(20));
                int high = await(member, kubectl, r -> r >= 3, Duration.ofSeconds(30), "reviews to scale up under 20 requests/s");
                double upSeconds = (System.nanoTime() - up) / 1e9;
                assertTrue(high <= 6, "at most maxReplicas: " + member.written("reviews"));
                awaitQuietly(Duration.ofSeconds(20).minusNanos(System.nanoTime() - up));
                // then 2 requests/s: one replica's worth
                long down = System.nanoTime();
                load(lab, "low", 2, Duration.ofSeconds(40));
                await(member, kubectl, r -> r == 1, Duration.ofSeconds(35), "reviews to scale back down to 1 under 2 requests/s");
                double downSeconds = (System.nanoTime() - down) / 1e9;
                List<Integer> written = member.written("reviews");
                System.out.printf("autoscaling in the lab: scale calls %s; up to %d within %.1f s of 20 req/s, down to 1 within %.1f s of 2 req/s%n",
                        written, high, upSeconds, downSeconds);
                // the calls follow the load: rising to the peak, then only falling, never below the minimum
                int peak = written.indexOf(written.stream().max(Integer::compare).orElseThrow());
                for (int i = 1; i < written.size(); i++) {
                    assertTrue(i <= peak ? written.get(i) > written.get(i - 1) : written.get(i) < written.get(i - 1), "no flapping: " + written);
                }
                assertEquals(1, written.getLast(), written.toString());
                String reason = kubectl.ok("get", "mas", "reviews", "-n", "bookinfo", "-o",
                        "jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].reason}");
                assertEquals("ValidMetricFound", reason);
            }
        } finally {
            NodeLab.down(LAB);
        }
    }

    /** Starts the lab's load generator in client-0 at {@code rate}/s for {@code duration}, detached. */
    private static void load(NodeLab lab, String role, int rate, Duration duration) {
        LabPod client = lab.pod("bookinfo/client-0");
        lab.startCommand(client, "hpa-load-" + role, JavaCommand.of(JavaCommand.currentClasspath(), NodeLab.HTTP_LOAD_MAIN,
                lab.httpLoadArgs(client, "productpage", 9080, "/productpage", rate, duration, lab.podFile(client, "hpa-" + role + ".json"))));
    }

    private static int await(MockMemberCluster member, Kubectl kubectl, IntPredicate done, Duration within, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            int r = member.replicas("reviews");
            if (done.test(r)) {
                return r;
            }
            Thread.sleep(200);
        }
        fail("waited " + within.toSeconds() + " s for " + what + "; the member received " + member.written("reviews") + "; the autoscaler's status: "
                + kubectl.run("get", "mas", "reviews", "-n", "bookinfo", "-o", "jsonpath={.status}").out());
        return -1;
    }

    private static void awaitQuietly(Duration d) throws InterruptedException {
        if (!d.isNegative()) {
            Thread.sleep(d.toMillis());
        }
    }
}
