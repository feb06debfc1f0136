package io.meshlane.control.telemetry.store;

import java.time.Instant;

/**
 * A trace search: traces with a span of {@code service} (any service when "", narrowed to
 * {@code namespace} unless "") lasting at least {@code minDurationMicros}, with an error when
 * {@code errorOnly}, overlapping [from, to]; the newest {@code limit} by start.
 */
public record TraceQuery(String service, String namespace, long minDurationMicros, boolean errorOnly, Instant from,
                         Instant to, int limit) {

    public TraceQuery {
        service = service == null ? "" : service;
        namespace = namespace == null ? "" : namespace;
        if (minDurationMicros < 0 || limit < 1 || from == null || to == null || to.isBefore(from)) {
            throw new IllegalArgumentException("trace query needs minDurationMicros ≥ 0, limit ≥ 1 and from ≤ to, got "
                    + minDurationMicros + ", " + limit + ", " + from + ".." + to);
        }
    }
}
