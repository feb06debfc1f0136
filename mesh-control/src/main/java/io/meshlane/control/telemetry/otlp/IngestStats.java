package io.meshlane.control.telemetry.otlp;

/**
 * Counters of one ingest path since start. Metric points: "understood" are Istio standard metrics,
 * "not understood" other metrics (accepted, forwarded, not aggregated). "refused" counts requests turned
 * away because the sink was overloaded, "failed" those whose sink threw. {@code seriesEvicted} counts
 * cumulative series forgotten by the bounded delta memory.
 */
public record IngestStats(long spansAccepted, long spansRejected, long logsAccepted, long logsRejected,
                          long metricPointsUnderstood, long metricPointsNotUnderstood, long metricPointsRejected,
                          long malformedRequests, long refusedRequests, long failedRequests, long seriesEvicted) {
}
