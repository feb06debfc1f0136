package io.meshlane.control.telemetry.store;

import java.time.Duration;

/**
 * How much telemetry one control plane keeps: everything (aggregates, traces, logs) fits in
 * {@code memoryBudgetBytes}; at most {@code maxSeries} distinct aggregate keys exist (more are
 * folded into an overflow key and counted); aggregates are kept per {@code bucketWidth} slot.
 * {@code localCluster} labels data that carries no cluster of its own.
 */
public record TelemetryConfig(long memoryBudgetBytes, int maxSeries, Duration bucketWidth, String localCluster) {

    public static TelemetryConfig defaults() {
        return new TelemetryConfig(256L * 1024 * 1024, 20_000, Duration.ofSeconds(10), "local");
    }
}
