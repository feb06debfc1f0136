package io.meshlane.control.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;

/** How fast the engine may scale each way; the HPA's defaults where the object is silent. */
record Behavior(ScalingRules up, ScalingRules down) {

    static Behavior parse(JsonNode behavior) {
        return new Behavior(ScalingRules.parse(behavior.path("scaleUp"), ScalingRules.defaultUp(), "spec.behavior.scaleUp"),
                ScalingRules.parse(behavior.path("scaleDown"), ScalingRules.defaultDown(), "spec.behavior.scaleDown"));
    }
}
