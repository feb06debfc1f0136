package io.meshlane.control.telemetry.export;

import java.time.Duration;

/**
 * Where and how {@link OtlpGrpcForwarder} forwards: {@code target} is the collector's host:port (plaintext
 * gRPC); at most {@code queueCapacity} requests wait (more are dropped and counted); up to
 * {@code maxBatchRequests} queued requests of one signal are merged into one export; a failed export is
 * retried {@code maxAttempts} times in all, with backoff, when the collector says it is unavailable.
 * {@code token}, when not empty, is sent as a bearer token.
 */
public record ForwarderOptions(String target, int queueCapacity, int maxBatchRequests, Duration timeout, int maxAttempts,
                               Duration initialBackoff, Duration maxBackoff, String token) {

    public ForwarderOptions {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("the collector target (host:port) is required");
        }
        if (queueCapacity <= 0 || maxBatchRequests <= 0 || maxAttempts <= 0) {
            throw new IllegalArgumentException("queueCapacity, maxBatchRequests and maxAttempts must be positive");
        }
        token = token == null ? "" : token;
    }

    public static ForwarderOptions to(String target) {
        return new ForwarderOptions(target, 1024, 16, Duration.ofSeconds(10), 5,
                Duration.ofMillis(100), Duration.ofSeconds(5), "");
    }

    public ForwarderOptions withQueue(int capacity, int maxBatch) {
        return new ForwarderOptions(target, capacity, maxBatch, timeout, maxAttempts, initialBackoff, maxBackoff, token);
    }

    public ForwarderOptions withRetries(int attempts, Duration firstBackoff, Duration longestBackoff, Duration callTimeout) {
        return new ForwarderOptions(target, queueCapacity, maxBatchRequests, callTimeout, attempts, firstBackoff, longestBackoff, token);
    }

    public ForwarderOptions withToken(String t) {
        return new ForwarderOptions(target, queueCapacity, maxBatchRequests, timeout, maxAttempts, initialBackoff, maxBackoff, t);
    }
}
