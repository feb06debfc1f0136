package io.meshlane.control.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.MockMemberCluster;
import io.meshlane.control.testing.TempDirs;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
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

    private Path dataDir;
    private ControlPlane plane;
    private Kubectl kubectl;
    private MockMemberCluster member;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-autoscaling");
        // OTLP/HTTP plaintext on loopback, as the lab's applications export to it
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withPorts(TelemetryOptions.OFF, 0).withOtlpInsecureLoopback(true)));
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

        member = MockMemberCluster.start("bookinfo", 1, "reviews", "ratings");
    }

    @AfterAll
    void stop() {
        if (member != null) {
            member.close();
        }
        if (plane != null) {
            plane.close();
        }
        TempDirs.delete(dataDir);
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
        String kubeconfig = member.kubeconfig("lab", "s3cret-member-token");
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
        while (member.written("reviews").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of(3), member.written("reviews"));
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

    @Test
    void aCounterTheApplicationExportsOverOtlpScalesItsWorkload() throws Exception {
        String credential = "apiVersion: meshlane.io/v1alpha1\nkind: MemberClusterCredential\nmetadata: {name: shop}\nspec:\n  kubeconfig: |\n"
                + member.kubeconfig("shop", "shop-token").indent(4);
        assertTrue(kubectl.runWithInput(credential, "create", "-f", "-").ok());
        // the application's own business counter, exported by the OpenTelemetry SDK's OTLP/HTTP exporter
        Resource resource = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "ratings",
                AttributeKey.stringKey("k8s.namespace.name"), "bookinfo"));
        SdkMeterProvider meters = SdkMeterProvider.builder().setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(OtlpHttpMetricExporter.builder()
                        .setEndpoint("http://127.0.0.1:" + plane.telemetry().otlpHttpPort() + "/v1/metrics").build())
                        .setInterval(Duration.ofHours(1)).build())
                .build();
        try {
            LongCounter orders = meters.get("shop").counterBuilder("orders_total").build();
            // two label sets of one counter: the rate is of both
            orders.add(400, Attributes.of(AttributeKey.stringKey("payment"), "card"));
            orders.add(200, Attributes.of(AttributeKey.stringKey("payment"), "cash"));
            assertTrue(meters.forceFlush().join(10, TimeUnit.SECONDS).isSuccess(), "the SDK's export succeeded");

            Kubectl.Result applied = kubectl.runWithInput("""
                    apiVersion: meshlane.io/v1alpha1
                    kind: MetricAutoscaler
                    metadata: {name: ratings-orders, namespace: bookinfo}
                    spec:
                      scaleTargetRef: {cluster: shop, kind: Deployment, name: ratings}
                      maxReplicas: 10
                      intervalSeconds: 1
                      metrics:
                      - type: Counter
                        counter: {name: orders_total, service: ratings}
                        target: {type: AverageValue, averageValue: "4"}
                    """, "apply", "-f", "-");
            assertTrue(applied.ok(), applied.toString());
            // 600 orders over the covered 50..60 s of the 60 s window: 10..12 orders/s, 4 per replica wanted: ceil(2.5..3) = 3
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (member.written("ratings").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(List.of(3), member.written("ratings"));
            String name = kubectl.ok("get", "mas", "ratings-orders", "-n", "bookinfo", "-o",
                    "jsonpath={.status.currentMetrics[0].type} {.status.currentMetrics[0].name}");
            assertEquals("Counter orders_total(ratings.bookinfo)", name);

            // a later cumulative export adds only its increase (120), not its total again
            orders.add(120, Attributes.of(AttributeKey.stringKey("payment"), "card"));
            assertTrue(meters.forceFlush().join(10, TimeUnit.SECONDS).isSuccess());
            double value = 0;
            while (!(value > 600 / 50.0) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                value = quantity(kubectl.ok("get", "mas", "ratings-orders", "-n", "bookinfo", "-o",
                        "jsonpath={.status.currentMetrics[0].current.value}"));
            }
            assertTrue(value >= 720 / 60.0 && value <= 720 / 50.0, "720 orders over 50..60 s, got " + value + "/s");
        } finally {
            meters.shutdown().join(5, TimeUnit.SECONDS);
        }
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
