package io.meshlane.control.autoscaling;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What the mesh measures of a service, in the units the engine and the external metrics API report:
 * requests per second, the failed share of requests (0..1), latency percentiles in milliseconds.
 */
public enum ServiceMetric {
    RequestRate("RequestRate", "requests-per-second"),
    ErrorRate("ErrorRate", "error-ratio"),
    LatencyP50("LatencyP50", "latency-p50-milliseconds"),
    LatencyP95("LatencyP95", "latency-p95-milliseconds"),
    LatencyP99("LatencyP99", "latency-p99-milliseconds");

    private final String specName;
    private final String externalName;

    ServiceMetric(String specName, String externalName) {
        this.specName = specName;
        this.externalName = externalName;
    }

    /** How a MetricAutoscaler names it. */
    public String id() {
        return specName;
    }

    /** How the external metrics API names it: {@code meshlane-service-<this>}. */
    public String externalName() {
        return externalName;
    }

    static Optional<ServiceMetric> of(String specName) {
        return Arrays.stream(values()).filter(m -> m.specName.equals(specName)).findFirst();
    }

    public static Optional<ServiceMetric> ofExternal(String name) {
        return Arrays.stream(values()).filter(m -> m.externalName.equals(name)).findFirst();
    }

    static List<String> names() {
        return Arrays.stream(values()).map(ServiceMetric::id).toList();
    }

    /** The quantile of a latency metric, NaN for the others. */
    double quantile() {
        return switch (this) {
            case LatencyP50 -> 0.5;
            case LatencyP95 -> 0.95;
            case LatencyP99 -> 0.99;
            default -> Double.NaN;
        };
    }
}
