package io.meshlane.control.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A MetricAutoscaler's spec, checked: what the engine scales, between which bounds, on what. */
record AutoscalerSpec(String cluster, String namespace, String kind, String name, int minReplicas, int maxReplicas,
                      Duration window, Duration interval, List<MetricSpec> metrics, Behavior behavior) {

    AutoscalerSpec {
        metrics = List.copyOf(metrics);
    }

    /** The spec of {@code object}; IllegalArgumentException with the field at fault when it cannot be acted on. */
    static AutoscalerSpec of(JsonNode object) {
        JsonNode spec = object.path("spec");
        JsonNode ref = spec.path("scaleTargetRef");
        String namespace = ref.path("namespace").asText(object.path("metadata").path("namespace").asText());
        String kind = ref.path("kind").asText();
        if (!kind.equals("Deployment") && !kind.equals("StatefulSet")) {
            throw new IllegalArgumentException("spec.scaleTargetRef.kind must be Deployment or StatefulSet, got \"" + kind + "\"");
        }
        int min = spec.path("minReplicas").asInt(1);
        int max = spec.path("maxReplicas").asInt();
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("spec.minReplicas (" + min + ") must be at least 1 and at most spec.maxReplicas (" + max + ")");
        }
        List<MetricSpec> metrics = new ArrayList<>();
        int i = 0;
        for (JsonNode m : spec.path("metrics")) {
            metrics.add(MetricSpec.parse(m, namespace, "spec.metrics[" + i++ + "]"));
        }
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("spec.metrics is empty: name at least one metric to scale on");
        }
        return new AutoscalerSpec(ref.path("cluster").asText(), namespace, kind, ref.path("name").asText(), min, max,
                Duration.ofSeconds(spec.path("windowSeconds").asInt(60)), Duration.ofSeconds(spec.path("intervalSeconds").asInt(15)),
                metrics, Behavior.parse(spec.path("behavior")));
    }

    String reference() {
        return cluster + "/" + namespace + "/" + kind + "/" + name;
    }
}
