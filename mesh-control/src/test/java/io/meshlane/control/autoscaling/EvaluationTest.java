package io.meshlane.control.autoscaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlane.control.http.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HPA algorithm on a scripted metric series: tolerance, step policies, stabilisation, bounds, missing data. */
class EvaluationTest {

    static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

    /** 10 requests/s per replica; up 2 pods per 15 s at most; down after 60 s of lower recommendations. */
    static JsonNode autoscaler(int min, int max) {
        return Json.request(("""
                {"metadata": {"name": "reviews", "namespace": "bookinfo"},
                 "spec": {"scaleTargetRef": {"cluster": "member", "kind": "Deployment", "name": "reviews"},
                          "minReplicas": %d, "maxReplicas": %d, "windowSeconds": 20, "intervalSeconds": 15,
                          "metrics": [{"type": "Service", "service": {"name": "reviews", "metric": "RequestRate"},
                                       "target": {"type": "AverageValue", "averageValue": "10"}}],
                          "behavior": {"scaleUp": {"stabilizationWindowSeconds": 0, "policies": [{"type": "Pods", "value": 2, "periodSeconds": 15}]},
                                       "scaleDown": {"stabilizationWindowSeconds": 60, "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}}}}
                """).formatted(min, max).getBytes(), "json");
    }

    private record Step(int at, Double rate, int expected, String ableReason, String limitedReason) {
    }

    @Test
    void followsTheHpaOnAScriptedSeries() {
        AutoscalerSpec spec = AutoscalerSpec.of(autoscaler(1, 10));
        Recommendations memory = new Recommendations();
        List<Step> script = List.of(
                // 21 rps on 2 replicas is 5% over target: inside the tolerance, no change
                new Step(0, 21.0, 2, "ReadyForNewScale", "DesiredWithinRange"),
                // 50 rps wants 5; one period allows 2 + 2
                new Step(15, 50.0, 4, "ReadyForNewScale", "ScaleUpLimit"),
                // the event at 15 s has left the 15 s period: 5 is allowed
                new Step(30, 50.0, 5, "ReadyForNewScale", "DesiredWithinRange"),
                // 52 on 5 is 4% over: tolerance again
                new Step(45, 52.0, 5, "ReadyForNewScale", "DesiredWithinRange"),
                // 20 rps wants 2, but 5 was recommended within the last 60 s: held by the stabilisation window
                new Step(60, 20.0, 5, "ScaleDownStabilized", "DesiredWithinRange"),
                new Step(75, 20.0, 5, "ScaleDownStabilized", "DesiredWithinRange"),
                new Step(90, 20.0, 5, "ScaleDownStabilized", "DesiredWithinRange"),
                // the last 5 (at 45 s) is now older than 60 s
                new Step(105, 20.0, 2, "ReadyForNewScale", "DesiredWithinRange"),
                // no telemetry: hold, never towards zero
                new Step(120, null, 2, "SucceededGetScale", null),
                // a measured zero wants 0, first held by the 2s recommended within the window...
                new Step(135, 0.0, 2, "ScaleDownStabilized", "DesiredWithinRange"),
                // ...then bounded by the minimum (1), never 0
                new Step(200, 0.0, 1, "ReadyForNewScale", "TooFewReplicas"));
        int replicas = 2;
        List<Integer> seen = new ArrayList<>();
        for (Step s : script) {
            Instant now = T0.plusSeconds(s.at());
            Reading r = s.rate() == null ? Reading.missing("no telemetry of reviews.bookinfo in the last 20 s") : Reading.of(s.rate());
            Decision d = Evaluation.evaluate(spec, replicas, replicas, List.of(r), memory, now);
            assertEquals(s.expected(), d.desiredReplicas(), "at " + s.at() + " s: " + d.conditions());
            assertEquals(s.ableReason(), condition(d, Condition.ABLE_TO_SCALE).reason(), "at " + s.at() + " s");
            if (s.limitedReason() != null) {
                assertEquals(s.limitedReason(), condition(d, Condition.SCALING_LIMITED).reason(), "at " + s.at() + " s");
                assertTrue(condition(d, Condition.SCALING_ACTIVE).status());
            } else {
                Condition active = condition(d, Condition.SCALING_ACTIVE);
                assertFalse(active.status());
                assertEquals("FailedGetMetric", active.reason());
                assertTrue(active.message().contains("no telemetry of reviews.bookinfo"), active.message());
                assertFalse(d.rescale());
            }
            if (d.rescale()) {
                memory.scaled(replicas, d.desiredReplicas(), spec.behavior(), now);
                replicas = d.desiredReplicas();
            }
            seen.add(replicas);
        }
        assertEquals(List.of(2, 4, 5, 5, 5, 5, 5, 2, 2, 2, 1), seen);
    }

    @Test
    void valueTargetsScaleOnTheRatioTimesReplicasAndBoundsComeFirst() {
        JsonNode object = autoscaler(2, 6);
        ((com.fasterxml.jackson.databind.node.ObjectNode) object.path("spec").path("metrics").get(0).path("target"))
                .put("type", "Value").put("value", "200");
        ((com.fasterxml.jackson.databind.node.ObjectNode) object.path("spec").path("metrics").get(0).path("service"))
                .put("metric", "LatencyP99");
        AutoscalerSpec spec = AutoscalerSpec.of(object);
        // p99 of 300 ms against 200 on 3 replicas: ceil(1.5 x 3) = 5, within the up policy (3 + 2)
        Decision up = Evaluation.evaluate(spec, 3, 3, List.of(Reading.of(300)), new Recommendations(), T0);
        assertEquals(5, up.desiredReplicas());
        // 210 against 200 is inside the tolerance
        assertEquals(3, Evaluation.evaluate(spec, 3, 3, List.of(Reading.of(210)), new Recommendations(), T0).desiredReplicas());
        // a workload above maxReplicas is brought down to it whatever the metrics say
        Decision above = Evaluation.evaluate(spec, 9, 9, List.of(Reading.missing("none")), new Recommendations(), T0);
        assertEquals(6, above.desiredReplicas());
        assertTrue(above.rescale());
        // a workload scaled to zero by hand is left alone, as the HPA leaves it
        Decision zero = Evaluation.evaluate(spec, 0, 0, List.of(Reading.of(500)), new Recommendations(), T0);
        assertFalse(zero.rescale());
        assertEquals("ScalingDisabled", condition(zero, Condition.SCALING_ACTIVE).reason());
    }

    @Test
    void aMissingMetricNeverLetsTheOthersScaleDown() {
        JsonNode object = autoscaler(1, 10);
        var metrics = (com.fasterxml.jackson.databind.node.ArrayNode) object.path("spec").path("metrics");
        metrics.add(metrics.get(0).deepCopy());
        AutoscalerSpec spec = AutoscalerSpec.of(object);
        Decision d = Evaluation.evaluate(spec, 4, 4, List.of(Reading.of(5), Reading.missing("no telemetry")), new Recommendations(), T0);
        assertEquals(4, d.desiredReplicas());
        assertFalse(condition(d, Condition.SCALING_ACTIVE).status());
        // ...but may scale up
        Decision up = Evaluation.evaluate(spec, 4, 4, List.of(Reading.of(80), Reading.missing("no telemetry")), new Recommendations(), T0);
        assertEquals(6, up.desiredReplicas());
    }

    @Test
    void quantitiesParseAsKubernetesWrites() {
        assertEquals(0.5, MetricTarget.quantity(Json.request("\"500m\"".getBytes(), "json")), 1e-12);
        assertEquals(1500, MetricTarget.quantity(Json.request("\"1.5k\"".getBytes(), "json")), 1e-9);
        assertEquals(7, MetricTarget.quantity(Json.request("7".getBytes(), "json")), 1e-12);
        assertEquals("2500m", Quantities.format(2.5));
        assertEquals("3", Quantities.format(3));
    }

    static Condition condition(Decision d, String type) {
        return d.conditions().stream().filter(c -> c.type().equals(type)).findFirst().orElseThrow(() -> new AssertionError(type + " missing"));
    }
}
