package io.meshlane.control.telemetry.otlp;

/** Thrown by a {@link BatchSink} that cannot take a batch now; OTLP clients get a retryable error. */
public final class SinkOverloadedException extends RuntimeException {
    public SinkOverloadedException(String message) {
        super(message);
    }
}
