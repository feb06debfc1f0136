package io.meshlane.control.autoscaling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one autoscaler remembers between evaluations, as the HPA controller does per HPA: its recent
 * recommendations (for the stabilisation windows) and its recent scale changes (for the step policies).
 * In memory on the leader: a new leader starts from its first evaluation, as a restarted HPA controller does.
 */
final class Recommendations {

    private record Recommendation(int replicas, Instant at) {
    }

    private record ScaleEvent(int change, Instant at) {
    }

    private final List<Recommendation> recommendations = new ArrayList<>();
    private final List<ScaleEvent> ups = new ArrayList<>();
    private final List<ScaleEvent> downs = new ArrayList<>();

    /** The first evaluation counts the current replicas as a recommendation made now. */
    void initial(int replicas, Instant now) {
        if (recommendations.isEmpty()) {
            recommendations.add(new Recommendation(replicas, now));
        }
    }

    /**
     * The stabilised recommendation: scaling up, the lowest of the up-window's recommendations and this one;
     * scaling down, the highest of the down-window's. Records this one and forgets those older than both windows.
     */
    int stabilise(int desired, int current, Behavior behavior, Instant now) {
        boolean up = desired >= current;
        int window = up ? behavior.up().stabilizationWindowSeconds() : behavior.down().stabilizationWindowSeconds();
        Instant cutoff = now.minusSeconds(window);
        Instant obsolete = now.minusSeconds(Math.max(behavior.up().stabilizationWindowSeconds(),
                behavior.down().stabilizationWindowSeconds()));
        int result = desired;
        for (Recommendation r : recommendations) {
            if (r.at().isAfter(cutoff)) {
                result = up ? Math.min(result, r.replicas()) : Math.max(result, r.replicas());
            }
        }
        recommendations.removeIf(r -> r.at().isBefore(obsolete));
        recommendations.add(new Recommendation(desired, now));
        return result;
    }

    /** The most replicas the up policies allow now, never less than {@code current}. */
    int upLimit(int current, ScalingRules rules, Instant now) {
        if (rules.select() == ScalingRules.Select.Disabled) {
            return current;
        }
        int result = rules.select() == ScalingRules.Select.Min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (ScalingPolicy p : rules.policies()) {
            int periodStart = current - changedWithin(ups, p.periodSeconds(), now);
            int proposed = p.type() == ScalingPolicy.Type.Pods ? periodStart + p.value()
                    : (int) Math.ceil(periodStart * (1 + p.value() / 100.0));
            result = rules.select() == ScalingRules.Select.Min ? Math.min(result, proposed) : Math.max(result, proposed);
        }
        return Math.max(result, current);
    }

    /** The fewest replicas the down policies allow now, never more than {@code current}. */
    int downLimit(int current, ScalingRules rules, Instant now) {
        if (rules.select() == ScalingRules.Select.Disabled) {
            return current;
        }
        int result = rules.select() == ScalingRules.Select.Min ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (ScalingPolicy p : rules.policies()) {
            int periodStart = current + changedWithin(downs, p.periodSeconds(), now);
            int proposed = p.type() == ScalingPolicy.Type.Pods ? periodStart - p.value()
                    : (int) (periodStart * (1 - p.value() / 100.0));
            result = rules.select() == ScalingRules.Select.Min ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return Math.min(result, current);
    }

    /** A scale change the engine made, for the policies' periods. */
    void scaled(int from, int to, Behavior behavior, Instant now) {
        if (to > from) {
            ups.removeIf(e -> e.at().isBefore(now.minusSeconds(behavior.up().longestPeriodSeconds())));
            ups.add(new ScaleEvent(to - from, now));
        } else if (to < from) {
            downs.removeIf(e -> e.at().isBefore(now.minusSeconds(behavior.down().longestPeriodSeconds())));
            downs.add(new ScaleEvent(from - to, now));
        }
    }

    private static int changedWithin(List<ScaleEvent> events, int periodSeconds, Instant now) {
        Instant cutoff = now.minus(Duration.ofSeconds(periodSeconds));
        int sum = 0;
        for (ScaleEvent e : events) {
            if (e.at().isAfter(cutoff)) {
                sum += e.change();
            }
        }
        return sum;
    }
}
