package io.meshlane.control.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Autoscaling as a user meets it with the real kubectl: the external metrics API answers kubectl get --raw with a
 * service's current value; member-cluster credentials can be created but never read back; a MetricAutoscaler
 * applied to the running control plane scales a member cluster (fabric8's Kubernetes mock server: no
 * kube-apiserver runs here) and kubectl get shows the decision.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AutoscalingKubectlTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RAW = "/apis/external.metrics.k8s.io/v1beta1/namespaces/bookinfo/";
    private static final String SCALE = "/apis/apps/v1/namespaces/bookinfo/deployments/reviews/scale";

    private Path dataDir;
    private ControlPlane plane;
    private Kubectl kubectl;
    private KubernetesMockServer member;
    private final AtomicInteger replicas = new AtomicInteger(1);
    private final List<Integer> written = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-autoscaling");
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0));
        kubectl = new Kubectl(plane.kubeconfig());
        kubectl.ok("create", "namespace", "bookinfo");
        // 240 requests to reviews over the last 50 s (20 ms each, one in ten failed), 60 to ratings
        Instant now = Instant.now();
        List<RequestSample> samples = new ArrayList<>();
        Peer productpage = new Peer("lab", "bookinfo", "productpage-0", "productpage");
        Peer reviews = new Peer("lab", "bookinfo", "reviews-0", "reviews");
        Peer ratings = new Peer("lab", "bookinfo", "ratings-0", "ratings");
        for (int i = 0; i < 240; i++) {
            samples.add(new RequestSample(productpage, reviews, "/reviews", i % 10 == 0 ? 503 : 200, i % 10 == 0, 20_000,
                    now.minusMillis(50_000 - 200L * i).toEpochMilli()));
        }
        for (int i = 0; i < 60; i++) {
            samples.add(new RequestSample(reviews, ratings, "/ratings", 200, false, 2_000, now.minusMillis(50_000 - 800L * i).toEpochMilli()));
        }
        plane.telemetry().store().accept(new TelemetryBatch(samples, List.of(), List.of(), List.of(), List.of()));

        member = new KubernetesMockServer(false);
        member.expect().get().withPath(SCALE).andReply(200, r -> scale(replicas.get())).always();
        member.expect().put().withPath(SCALE).andReply(200, r -> {
            try {
                int n = JSON.readTree(r.getUtf8Body()).path("spec").path("replicas").asInt();
                written.add(n);
                replicas.set(n);
                return scale(n);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }).always();
        member.init();
    }

    @AfterAll
    void stop() {
        if (member != null) {
            member.destroy();
        }
        if (plane != null) {
            plane.close();
        }
        TempDirs.delete(dataDir);
    }

    private static Object scale(int n) {
        return Map.of("apiVersion", "autoscaling/v1", "kind", "Scale",
                "metadata", Map.of("name", "reviews", "namespace", "bookinfo", "resourceVersion", String.valueOf(10 + n)),
                "spec", Map.of("replicas", n), "status", Map.of("replicas", n));
    }

    private JsonNode raw(String path) throws Exception {
        return JSON.readTree(kubectl.ok("get", "--raw", path));
    }

    private static double quantity(String q) {
        return q.endsWith("m") ? Double.parseDouble(q.substring(0, q.length() - 1)) / 1000 : Double.parseDouble(q);
    }

    @Test
    void kubectlGetRawReturnsAServicesCurrentValue() throws Exception {
        JsonNode rate = raw(RAW + "meshlane-service-requests-per-second");
        assertEquals("ExternalMetricValueList", rate.path("kind").asText());
        JsonNode reviews = null;
        for (JsonNode item : rate.path("items")) {
            if (item.path("metricLabels").path("service").asText().equals("reviews")) {
                reviews = item;
            }
        }
        assertTrue(reviews != null, rate.toString());
        // 240 requests over the covered part of the 60 s window (its start rounds up to a 10 s slot: 50..60 s)
        double rps = quantity(reviews.path("value").asText());
        assertTrue(rps >= 240 / 60.0 && rps <= 240 / 50.0, rate.toString());

        JsonNode one = raw(RAW + "meshlane-service-error-ratio?labelSelector=service%3Dreviews");
        assertEquals(1, one.path("items").size(), one.toString());
        assertEquals("100m", one.path("items").get(0).path("value").asText(), "one request in ten failed");
        double p99 = quantity(raw(RAW + "meshlane-service-latency-p99-milliseconds?labelSelector=service%3Dreviews")
                .path("items").get(0).path("value").asText());
        assertTrue(Math.abs(p99 - 20) < 1, "p99 of 20 ms requests: " + p99);
        assertEquals(0, raw(RAW + "meshlane-service-requests-per-second?labelSelector=service%3Dnone").path("items").size());

        JsonNode discovery = raw("/apis/external.metrics.k8s.io/v1beta1");
        assertEquals(5, discovery.path("resources").size(), discovery.toString());
        assertTrue(kubectl.ok("get", "--raw", "/apis").contains("external.metrics.k8s.io"));
        Kubectl.Result unknown = kubectl.run("get", "--raw", RAW + "orders");
        assertFalse(unknown.ok());
        assertTrue(unknown.err().contains("meshlane-service-requests-per-second"), unknown.toString());
    }

    @Test
    void aMetricAutoscalerScalesTheMemberAndKubectlShowsWhy() throws Exception {
        String kubeconfig = """
                apiVersion: v1
                kind: Config
                clusters: [{name: lab, cluster: {server: "%s"}}]
                users: [{name: engine, user: {token: s3cret-member-token}}]
                contexts: [{name: lab, context: {cluster: lab, user: engine}}]
                current-context: lab
                """.formatted(member.url("/").replaceAll("/$", ""));
        String credential = "apiVersion: meshlane.io/v1alpha1\nkind: MemberClusterCredential\nmetadata: {name: lab}\nspec:\n  kubeconfig: |\n"
                + kubeconfig.indent(4);
        Kubectl.Result created = kubectl.runWithInput(credential, "create", "-f", "-", "-o", "yaml");
        assertTrue(created.ok(), created.toString());
        assertFalse(created.out().contains("s3cret"), "the create answer must not echo the credential: " + created.out());
        Kubectl.Result read = kubectl.run("get", "memberclustercredentials");
        assertFalse(read.ok());
        assertTrue(read.err().contains("readable by the autoscaling engine only"), read.toString());
        assertFalse(kubectl.run("get", "--raw", "/apis/meshlane.io/v1alpha1/memberclustercredentials/lab").out().contains("s3cret"));

        Kubectl.Result invalid = kubectl.runWithInput(autoscaler(5, 2), "apply", "-f", "-");
        assertFalse(invalid.ok());
        assertTrue(invalid.err().contains("minReplicas must not be more than maxReplicas"), invalid.toString());

        // 270 requests to details over the last 40 s: 4.5..5.4 requests/s (the window's start rounds up to a 10 s slot)
        Instant now = Instant.now();
        List<RequestSample> samples = new ArrayList<>();
        for (int i = 0; i < 270; i++) {
            samples.add(new RequestSample(new Peer("lab", "bookinfo", "productpage-0", "productpage"),
                    new Peer("lab", "bookinfo", "details-0", "details"), "/details", 200, false, 5_000,
                    now.minusMillis(40_000 - 148L * i).toEpochMilli()));
        }
        plane.telemetry().store().accept(new TelemetryBatch(samples, List.of(), List.of(), List.of(), List.of()));
        Kubectl.Result applied = kubectl.runWithInput(autoscaler(1, 4), "apply", "-f", "-");
        assertTrue(applied.ok(), applied.toString());
        // against 2 per replica on 1 replica: ceil(4.5..5.4 / 2) = 3, within the default up policy
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (written.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of(3), written);
        // as the HPA's, status.currentReplicas is what the evaluation found: 3 from the evaluation after the change
        String current = "";
        while (!current.equals("3") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            current = kubectl.ok("get", "mas", "reviews", "-n", "bookinfo", "-o", "jsonpath={.status.currentReplicas}");
        }
        assertEquals("3", current);
        assertFalse(kubectl.ok("get", "mas", "reviews", "-n", "bookinfo", "-o", "jsonpath={.status.lastScaleTime}").isEmpty());
        assertEquals("True ValidMetricFound", kubectl.ok("get", "mas", "reviews", "-n", "bookinfo", "-o",
                "jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].status} {.status.conditions[?(@.type==\"ScalingActive\")].reason}"));
        String table = kubectl.ok("get", "metricautoscalers", "-n", "bookinfo");
        assertTrue(table.contains("REFERENCE") && table.contains("TARGETS") && table.contains("lab/bookinfo/Deployment/reviews"), table);
        assertTrue(table.matches("(?s).*reviews\\s+lab/bookinfo/Deployment/reviews\\s+\\S+/2 \\(avg\\)\\s+1\\s+4\\s+3.*"), table);
    }

    private static String autoscaler(int min, int max) {
        return """
                apiVersion: meshlane.io/v1alpha1
                kind: MetricAutoscaler
                metadata: {name: reviews, namespace: bookinfo}
                spec:
                  scaleTargetRef: {cluster: lab, kind: Deployment, name: reviews}
                  minReplicas: %d
                  maxReplicas: %d
                  intervalSeconds: 1
                  metrics:
                  - type: Service
                    service: {name: details, metric: RequestRate}
                    target: {type: AverageValue, averageValue: "2"}
                """.formatted(min, max);
    }
}
