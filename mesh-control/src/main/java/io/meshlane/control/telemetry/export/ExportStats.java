package io.meshlane.control.telemetry.export;

/**
 * Counters of one exporter since start. Items are spans, log records and metric points (OTLP) or
 * samples (remote-write). Dropped items never reached the backend: the queue was full, retries ran out,
 * or the backend refused them outright; {@code rejectedItems} were accepted by the backend's endpoint but
 * reported as rejected in its partial-success answer.
 */
public record ExportStats(long sentRequests, long sentItems, long droppedRequests, long droppedItems, long retries,
                          long rejectedItems, int queueDepth) {
}
