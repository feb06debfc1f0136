package io.meshlane.control.telemetry.store;

/**
 * The store's accounting: estimated bytes in use against the budget (and per kind against each
 * kind's share), what eviction removed per kind (aggregate cells, traces, log records), live
 * aggregate series against the cap, items with a key folded by the cap, and ingest counters.
 */
public record TelemetryStatus(long memoryUsedBytes, long memoryBudgetBytes,
                              long aggregateBytes, long aggregateBudgetBytes,
                              long traceBytes, long traceBudgetBytes,
                              long logBytes, long logBudgetBytes,
                              long evictedAggregateCells, long evictedTraces, long evictedLogs,
                              int seriesAlive, int seriesCap, long capped,
                              long traces, long spans, long logs,
                              long accepted, long rejected) {
}
