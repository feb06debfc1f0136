package io.meshlane.control.autoscaling;

import java.util.List;

/**
 * One evaluation's outcome: the replicas to set ({@code rescale} when they differ from the current), each
 * metric's current value (NaN when missing) and the conditions that say why.
 */
record Decision(int currentReplicas, int desiredReplicas, boolean rescale, String reason, List<MetricValue> metrics,
                List<Condition> conditions) {

    record MetricValue(MetricSpec spec, double value, double averageValue, String missing) {
    }

    Decision {
        metrics = List.copyOf(metrics);
        conditions = List.copyOf(conditions);
    }
}
