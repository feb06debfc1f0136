package io.meshlane.control.telemetry.signals;

import java.util.Map;

/**
 * One finished span. Ids are lower-case hex (trace 32 chars, span 16 chars, parent "" for a root).
 * {@code service} is the emitting workload (from the resource attributes); {@code peerService}
 * is the called service for CLIENT spans (peer.service / server.address), "" otherwise.
 */
public record SpanRecord(String traceId, String spanId, String parentSpanId, String name, SpanKind kind, Peer service,
                         String peerService, long startEpochNanos, long endEpochNanos, boolean error, int httpStatus,
                         String statusMessage, Map<String, String> attributes) {

    public long durationNanos() {
        return Math.max(0, endEpochNanos - startEpochNanos);
    }

    /** Failed as the mesh counts errors: the span's status says so, or it answered HTTP 5xx. */
    public boolean failed() {
        return error || httpStatus >= 500;
    }
}
