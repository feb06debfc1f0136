package io.meshlane.control.autoscaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.meshlane.control.api.RequestOptions;
import io.meshlane.control.api.ResourceService;
import io.meshlane.control.crd.BuiltinKinds;
import io.meshlane.control.crd.CelRuleEngine;
import io.meshlane.control.crd.CrdDefinition;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.crd.ObjectValidation;
import io.meshlane.control.crd.SchemaValidator;
import io.meshlane.control.crd.StructuralSchemaCheck;
import io.meshlane.control.http.Json;
import io.meshlane.control.mesh.MeshKinds;
import io.meshlane.control.store.SqliteStore;
import io.meshlane.control.testing.MockMemberCluster;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.telemetry.store.TelemetryConfig;
import io.meshlane.control.telemetry.store.TelemetryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine against a member cluster that is fabric8's Kubernetes mock server (no kube-apiserver runs here):
 * the scale subresource calls the mock receives are the assertions. Telemetry is the real store on a clock
 * the test moves, filled with the request rate of a scripted series.
 */
class AutoscalingEngineTest {

    private static final String SCALE = "/apis/apps/v1/namespaces/bookinfo/deployments/reviews/scale";

    private final MovableClock clock = new MovableClock(Instant.parse("2026-12-07T12:00:00Z"));
    private Path dir;
    private SqliteStore store;
    private ResourceService resources;
    private KindRegistry registry;
    private TelemetryStore telemetry;
    private MockMemberCluster member;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("autoscaling-engine");
        store = SqliteStore.open(dir.resolve("store"));
        CelRuleEngine cel = new CelRuleEngine();
        CrdDefinition crds = new CrdDefinition(new StructuralSchemaCheck(cel));
        registry = new KindRegistry(crds);
        registry.define(BuiltinKinds.namespaces());
        registry.define(crds.kind(MeshKinds.metricAutoscalerCrd()));
        registry.define(crds.kind(MeshKinds.memberClusterCredentialCrd()));
        resources = new ResourceService(store, new ObjectValidation(new SchemaValidator(cel), crds, List.of()), List.of());
        resources.create(registry.resolve("", "v1", "namespaces").orElseThrow(), null,
                Json.request("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"bookinfo\"}}".getBytes(), "json"), options());
        telemetry = new TelemetryStore(TelemetryConfig.defaults(), clock);

        member = MockMemberCluster.start("bookinfo", 2, "reviews");
        String kubeconfig = member.kubeconfig("member", "engine-token");
        ObjectNode credential = Json.object().put("apiVersion", "meshlane.io/v1alpha1").put("kind", "MemberClusterCredential");
        credential.putObject("metadata").put("name", "member");
        credential.putObject("spec").put("kubeconfig", kubeconfig);
        resources.create(registry.resolve("meshlane.io", "v1alpha1", "memberclustercredentials").orElseThrow(), null, credential, options());
        ObjectNode autoscaler = (ObjectNode) EvaluationTest.autoscaler(1, 10);
        autoscaler.put("apiVersion", "meshlane.io/v1alpha1").put("kind", "MetricAutoscaler");
        resources.create(registry.resolve("meshlane.io", "v1alpha1", "metricautoscalers").orElseThrow(), "bookinfo", autoscaler, options());
    }

    @AfterEach
    void tearDown() throws Exception {
        member.close();
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static RequestOptions options() {
        return new RequestOptions(false, "Strict", false);
    }

    /** {@code rate} requests/s to reviews over the 20 s before now (the autoscaler's window). */
    private void traffic(double rate) {
        Instant now = clock.instant();
        int n = (int) Math.round(rate * 20);
        List<RequestSample> samples = new ArrayList<>();
        Peer productpage = new Peer("lab", "bookinfo", "productpage-0", "productpage");
        Peer reviews = new Peer("lab", "bookinfo", "reviews-0", "reviews");
        for (int i = 0; i < n; i++) {
            samples.add(new RequestSample(productpage, reviews, "/reviews", 200, false, 3_000,
                    now.minusMillis(19_500).plusMillis(19_000L * i / Math.max(1, n - 1)).toEpochMilli()));
        }
        telemetry.accept(new TelemetryBatch(samples, List.of(), List.of(), List.of(), List.of()));
    }

    private JsonNode status() {
        return resources.get(registry.resolve("meshlane.io", "v1alpha1", "metricautoscalers").orElseThrow(), "bookinfo", "reviews")
                .path("status");
    }

    @Test
    void theMemberReceivesExactlyTheScaleCallsTheAlgorithmPredicts() throws Exception {
        AutoscalingEngine engine = AutoscalingEngine.manual(resources, registry, new MeshMetrics(telemetry));
        try {
            // evaluations 20 s apart (interval 15 s, window 20 s); rates chosen as in EvaluationTest's series
            double[] series = {21, 50, 50, 52, 20, 20, 20, 20};
            List<Integer> replicasSeen = new ArrayList<>();
            for (double rate : series) {
                clock.advance(20);
                traffic(rate);
                engine.evaluateDue();
                replicasSeen.add(member.replicas("reviews"));
            }
            // 21 on 2: tolerance; 50: 2+2 (ScaleUpLimit); 50 on 4: 5; 52 on 5: tolerance; 20: held by the
            // 60 s down window (5 recommended at 40, 60, 80 s) until 140 s, when the last 5 is 60 s old
            assertEquals(List.of(2, 4, 5, 5, 5, 5, 2, 2), replicasSeen);
            assertEquals(List.of(4, 5, 2), member.written("reviews"));
            JsonNode status = status();
            assertEquals(2, status.path("currentReplicas").asInt());
            assertEquals("member/bookinfo/Deployment/reviews", status.path("reference").asText());
            // the last change (to 2) was at 140 s; the evaluation at 160 s kept it
            assertEquals("2026-12-07T12:02:20Z", status.path("lastScaleTime").asText());
            // 20 requests/s over 2 replicas against 10 per replica
            assertEquals("10/10 (avg)", status.path("targets").asText());
            assertEquals("ReadyForNewScale", condition(status, "AbleToScale").path("reason").asText());
            assertEquals("ValidMetricFound", condition(status, "ScalingActive").path("reason").asText());

            // no telemetry for the window: no scale call, replicas held, the reason in status
            int requests = member.server().getRequestCount();
            clock.advance(60);
            engine.evaluateDue();
            assertEquals(List.of(4, 5, 2), member.written("reviews"));
            assertEquals(2, member.replicas("reviews"));
            JsonNode active = condition(status(), "ScalingActive");
            assertEquals("False", active.path("status").asText());
            assertTrue(active.path("message").asText().contains("no telemetry of reviews.bookinfo in the last 20 s"), active.toString());
            assertTrue(status().path("currentMetrics").get(0).path("missing").isTextual());

            // every call the member received: one GET of the scale per evaluation, one PUT per change, nothing else
            List<String> calls = new ArrayList<>();
            RecordedRequest r;
            while ((r = member.server().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
                calls.add(r.getMethod() + " " + r.getPath());
                assertEquals("Bearer engine-token", r.getHeader("Authorization"));
            }
            assertEquals(requests + 1, calls.size());
            assertEquals(9, calls.stream().filter(c -> c.equals("GET " + SCALE)).count(), calls.toString());
            assertEquals(3, calls.stream().filter(c -> c.equals("PUT " + SCALE)).count(), calls.toString());

            // the member unreachable: replicas held, AbleToScale False with the reason
            member.close();
            clock.advance(20);
            traffic(90);
            engine.evaluateDue();
            JsonNode able = condition(status(), "AbleToScale");
            assertEquals("False", able.path("status").asText());
            assertEquals("FailedGetScale", able.path("reason").asText());
            assertEquals(2, status().path("currentReplicas").asInt());
            assertEquals(List.of(4, 5, 2), member.written("reviews"));
        } finally {
            engine.close();
        }
    }

    private static JsonNode condition(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c;
            }
        }
        throw new AssertionError("no condition " + type + " in " + status);
    }

    /** A clock the test moves by whole seconds. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(long seconds) {
            now = now.plusSeconds(seconds);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
