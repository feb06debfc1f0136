package io.meshlane.control.telemetry.signals;

/**
 * One request with its exact duration, from source to destination. {@code operation} is the
 * destination's route or span name ("" when unknown); {@code responseCode} is the HTTP status
 * (or 0 when only the error flag is known).
 */
public record RequestSample(Peer source, Peer destination, String operation, int responseCode, boolean error,
                            long durationMicros, long epochMillis) {
}
