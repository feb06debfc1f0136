package io.meshlane.control.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One direction's behaviour, as the HorizontalPodAutoscaler's: a stabilisation window, step policies and
 * which policy wins (Max = the one allowing the biggest change, Min = the smallest, Disabled = no change).
 */
record ScalingRules(int stabilizationWindowSeconds, Select select, List<ScalingPolicy> policies) {

    enum Select { Max, Min, Disabled }

    ScalingRules {
        policies = List.copyOf(policies);
        if (stabilizationWindowSeconds < 0 || stabilizationWindowSeconds > 3600) {
            throw new IllegalArgumentException("stabilizationWindowSeconds must be within 0..3600, got " + stabilizationWindowSeconds);
        }
        if (policies.isEmpty() && select != Select.Disabled) {
            throw new IllegalArgumentException("a scaling direction needs at least one policy unless its selectPolicy is Disabled");
        }
    }

    /** The HPA's default for scaling up: no stabilisation; double or add 4 pods per 15 s, whichever is more. */
    static ScalingRules defaultUp() {
        return new ScalingRules(0, Select.Max, List.of(new ScalingPolicy(ScalingPolicy.Type.Percent, 100, 15),
                new ScalingPolicy(ScalingPolicy.Type.Pods, 4, 15)));
    }

    /** The HPA's default for scaling down: 300 s of stabilisation, then down to the recommendation at once. */
    static ScalingRules defaultDown() {
        return new ScalingRules(300, Select.Max, List.of(new ScalingPolicy(ScalingPolicy.Type.Percent, 100, 15)));
    }

    /** {@code json} over {@code defaults}: every field the user leaves out keeps the default's. */
    static ScalingRules parse(JsonNode json, ScalingRules defaults, String where) {
        if (json == null || json.isMissingNode() || json.isNull()) {
            return defaults;
        }
        int window = json.has("stabilizationWindowSeconds") ? json.path("stabilizationWindowSeconds").asInt()
                : defaults.stabilizationWindowSeconds();
        Select select = defaults.select();
        if (json.has("selectPolicy")) {
            try {
                select = Select.valueOf(json.path("selectPolicy").asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ".selectPolicy must be Max, Min or Disabled, got "
                        + json.path("selectPolicy").asText());
            }
        }
        List<ScalingPolicy> policies = defaults.policies();
        if (json.has("policies")) {
            policies = new ArrayList<>();
            for (JsonNode p : json.path("policies")) {
                ScalingPolicy.Type type;
                try {
                    type = ScalingPolicy.Type.valueOf(p.path("type").asText());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + ".policies[].type must be Pods or Percent, got " + p.path("type").asText());
                }
                try {
                    policies.add(new ScalingPolicy(type, p.path("value").asInt(), p.path("periodSeconds").asInt()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + ": " + e.getMessage());
                }
            }
        }
        try {
            return new ScalingRules(window, select, policies);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    int longestPeriodSeconds() {
        return policies.stream().mapToInt(ScalingPolicy::periodSeconds).max().orElse(0);
    }
}
