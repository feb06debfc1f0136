package io.meshlane.control.autoscaling;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One evaluation of an autoscaler, as the HPA controller reconciles an HPA: each metric's proposal, the
 * highest wins; bounds, stabilisation and step policies normalise it; conditions record each step's
 * reason. Pure apart from the autoscaler's {@link Recommendations}; the engine does the I/O.
 *
 * <p>Missing data is the HPA's invalid metric: when every metric is missing, or some are and the others
 * would scale down, the current replicas stand and ScalingActive says why.
 */
final class Evaluation {
    private Evaluation() {
    }

    static Decision evaluate(AutoscalerSpec spec, int specReplicas, int statusReplicas, List<Reading> readings,
                             Recommendations memory, Instant now) {
        List<Condition> conditions = new ArrayList<>();
        conditions.add(new Condition(Condition.ABLE_TO_SCALE, true, "SucceededGetScale",
                "the engine was able to get the target's current scale"));
        memory.initial(specReplicas, now);
        List<Decision.MetricValue> values = new ArrayList<>();
        for (int i = 0; i < spec.metrics().size(); i++) {
            MetricSpec m = spec.metrics().get(i);
            Reading r = readings.get(i);
            values.add(new Decision.MetricValue(m, r.value(), r.present() && statusReplicas > 0 ? r.value() / statusReplicas : Double.NaN,
                    r.missing()));
        }
        if (specReplicas == 0) {
            conditions.add(new Condition(Condition.SCALING_ACTIVE, false, "ScalingDisabled",
                    "scaling is disabled since the replica count of the target is zero"));
            return new Decision(0, 0, false, "", values, conditions);
        }
        if (specReplicas > spec.maxReplicas()) {
            return bounded(specReplicas, spec.maxReplicas(), "Current number of replicas above spec.maxReplicas", values, conditions);
        }
        if (specReplicas < spec.minReplicas()) {
            return bounded(specReplicas, spec.minReplicas(), "Current number of replicas below spec.minReplicas", values, conditions);
        }
        int proposal = 0;
        String proposer = "";
        int invalid = 0;
        String firstMissing = null;
        for (int i = 0; i < spec.metrics().size(); i++) {
            Reading r = readings.get(i);
            MetricSpec m = spec.metrics().get(i);
            if (!r.present()) {
                invalid++;
                firstMissing = firstMissing == null ? m.name() + ": " + r.missing() : firstMissing;
                continue;
            }
            int p = m.target().proposal(r.value(), specReplicas, statusReplicas);
            if (p > proposal || proposer.isEmpty()) {
                proposal = p;
                proposer = m.name();
            }
        }
        if (invalid == spec.metrics().size() || (invalid > 0 && proposal < specReplicas)) {
            conditions.add(new Condition(Condition.SCALING_ACTIVE, false, "FailedGetMetric",
                    "the engine was unable to compute the replica count and holds " + specReplicas + " replicas: " + firstMissing));
            return new Decision(specReplicas, specReplicas, false, "", values, conditions);
        }
        conditions.add(new Condition(Condition.SCALING_ACTIVE, true, "ValidMetricFound",
                "the engine was able to successfully calculate a replica count from " + proposer));
        String reason = proposal > specReplicas ? proposer + " above target" : proposal < specReplicas ? "All metrics below target" : "";
        int stabilised = memory.stabilise(proposal, specReplicas, spec.behavior(), now);
        conditions.set(0, stabilised != proposal
                ? proposal >= specReplicas
                        ? new Condition(Condition.ABLE_TO_SCALE, true, "ScaleUpStabilized",
                                "recent recommendations were lower than current one, applying the lowest recent recommendation")
                        : new Condition(Condition.ABLE_TO_SCALE, true, "ScaleDownStabilized",
                                "recent recommendations were higher than current one, applying the highest recent recommendation")
                : new Condition(Condition.ABLE_TO_SCALE, true, "ReadyForNewScale", "recommended size matches current size"));
        Condition limited = limit(spec, specReplicas, stabilised, memory, now);
        int desired = limited.status() ? boundFrom(limited, spec, specReplicas, memory, now) : stabilised;
        conditions.add(limited);
        return new Decision(specReplicas, desired, desired != specReplicas, reason, values, conditions);
    }

    /** ScalingLimited: whether the bounds or the step policies cut {@code desired}, and why. */
    private static Condition limit(AutoscalerSpec spec, int current, int desired, Recommendations memory, Instant now) {
        if (desired > current) {
            int upLimit = memory.upLimit(current, spec.behavior().up(), now);
            boolean rate = spec.maxReplicas() > upLimit;
            if (desired > Math.min(spec.maxReplicas(), upLimit)) {
                return rate ? new Condition(Condition.SCALING_LIMITED, true, "ScaleUpLimit",
                        "the desired replica count is increasing faster than the maximum scale rate")
                        : new Condition(Condition.SCALING_LIMITED, true, "TooManyReplicas",
                        "the desired replica count is more than the maximum replica count");
            }
        } else if (desired < current) {
            int downLimit = memory.downLimit(current, spec.behavior().down(), now);
            boolean rate = spec.minReplicas() < downLimit;
            if (desired < Math.max(spec.minReplicas(), downLimit)) {
                return rate ? new Condition(Condition.SCALING_LIMITED, true, "ScaleDownLimit",
                        "the desired replica count is decreasing faster than the maximum scale rate")
                        : new Condition(Condition.SCALING_LIMITED, true, "TooFewReplicas",
                        "the desired replica count is less than the minimum replica count");
            }
        }
        return new Condition(Condition.SCALING_LIMITED, false, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    private static int boundFrom(Condition limited, AutoscalerSpec spec, int current, Recommendations memory, Instant now) {
        return switch (limited.reason()) {
            case "ScaleUpLimit" -> memory.upLimit(current, spec.behavior().up(), now);
            case "TooManyReplicas" -> spec.maxReplicas();
            case "ScaleDownLimit" -> memory.downLimit(current, spec.behavior().down(), now);
            default -> spec.minReplicas();
        };
    }

    private static Decision bounded(int current, int desired, String reason, List<Decision.MetricValue> values,
                                    List<Condition> conditions) {
        return new Decision(current, desired, true, reason, values, conditions);
    }
}
