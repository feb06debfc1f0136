package io.meshlane.control.telemetry.signals;

import java.util.Map;

/** One log line or access-log entry; trace and span ids are "" when the record has none. */
public record LogRecord(long epochNanos, Peer source, String severity, String body, String traceId, String spanId,
                        Map<String, String> attributes) {
}
