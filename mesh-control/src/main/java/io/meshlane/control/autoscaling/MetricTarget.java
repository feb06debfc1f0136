package io.meshlane.control.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;

/**
 * A metric's target as the HPA takes it: {@code Value} compares the metric itself, {@code AverageValue}
 * the metric divided among the workload's replicas.
 */
record MetricTarget(boolean average, double value) {

    /** The HPA controller's default tolerance: changes under 10% of the target are not acted on. */
    static final double TOLERANCE = 0.1;

    MetricTarget {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("a metric target must be a positive number, got " + value);
        }
    }

    static MetricTarget parse(JsonNode target, String where) {
        boolean average = target.path("type").asText().equals("AverageValue");
        JsonNode v = target.path(average ? "averageValue" : "value");
        if (v.isMissingNode() || v.isNull()) {
            throw new IllegalArgumentException(where + ": a " + (average ? "AverageValue target needs averageValue" : "Value target needs value"));
        }
        try {
            return new MetricTarget(average, quantity(v));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    /** A number, or a Kubernetes quantity string with a decimal suffix (m, k, M, G) or none. */
    static double quantity(JsonNode v) {
        if (v.isNumber()) {
            return v.asDouble();
        }
        String s = v.asText().trim();
        BigDecimal scale = BigDecimal.ONE;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'm' -> scale = new BigDecimal("0.001");
                case 'k' -> scale = new BigDecimal("1000");
                case 'M' -> scale = new BigDecimal("1000000");
                case 'G' -> scale = new BigDecimal("1000000000");
                default -> scale = null;
            }
            if (scale != null) {
                s = s.substring(0, s.length() - 1);
            } else {
                scale = BigDecimal.ONE;
            }
        }
        try {
            return new BigDecimal(s).multiply(scale).doubleValue();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + v.asText() + "\" is neither a number nor a quantity such as 500m or 2k");
        }
    }

    /**
     * The replicas this metric asks for, as the HPA's replica calculator works it out for an external metric:
     * within the tolerance the current count stands; otherwise an AverageValue target asks for
     * ceil(usage / target) and a Value target for ceil(usage / target x replicas running).
     */
    int proposal(double usage, int specReplicas, int statusReplicas) {
        if (average) {
            int replicas = statusReplicas > 0 ? statusReplicas : specReplicas;
            double ratio = usage / (value * Math.max(1, replicas));
            return Math.abs(1.0 - ratio) > TOLERANCE ? (int) Math.ceil(usage / value) : replicas;
        }
        double ratio = usage / value;
        if (specReplicas == 0) {
            return (int) Math.ceil(ratio);
        }
        if (Math.abs(1.0 - ratio) <= TOLERANCE) {
            return specReplicas;
        }
        return (int) Math.ceil(ratio * statusReplicas);
    }
}
