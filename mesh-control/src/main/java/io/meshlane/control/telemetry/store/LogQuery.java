package io.meshlane.control.telemetry.store;

import java.time.Instant;

/**
 * A log search; "" means "any" for the text fields. {@code text} matches a substring of the body
 * ignoring case, {@code severity} the level ignoring case. Newest {@code limit} in [from, to].
 */
public record LogQuery(String service, String namespace, String text, String severity, String traceId, Instant from,
                       Instant to, int limit) {

    public LogQuery {
        service = service == null ? "" : service;
        namespace = namespace == null ? "" : namespace;
        text = text == null ? "" : text;
        severity = severity == null ? "" : severity;
        traceId = traceId == null ? "" : traceId;
        if (limit < 1 || from == null || to == null || to.isBefore(from)) {
            throw new IllegalArgumentException("log query needs limit ≥ 1 and from ≤ to, got " + limit + ", " + from
                    + ".." + to);
        }
    }
}
