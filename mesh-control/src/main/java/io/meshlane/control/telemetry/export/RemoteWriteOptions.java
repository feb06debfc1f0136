package io.meshlane.control.telemetry.export;

import java.net.URI;
import java.time.Duration;

/**
 * Where and how often {@link RemoteWriteExporter} writes: the receiver's URL (e.g.
 * http://prometheus:9090/api/v1/write), the interval between snapshots, at most {@code maxSeriesPerRequest}
 * series per request, at most {@code queueCapacity} requests waiting (more are dropped and counted),
 * {@code maxAttempts} tries per request on 5xx/429/connection errors. {@code bearerToken} may be empty.
 */
public record RemoteWriteOptions(URI endpoint, Duration interval, int maxSeriesPerRequest, int queueCapacity, int maxAttempts,
                                 Duration timeout, Duration initialBackoff, Duration maxBackoff, String bearerToken) {

    public RemoteWriteOptions {
        if (endpoint == null || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))) {
            throw new IllegalArgumentException("the remote-write endpoint must be an http(s) URL, got " + endpoint);
        }
        if (interval.isZero() || interval.isNegative() || maxSeriesPerRequest <= 0 || queueCapacity <= 0 || maxAttempts <= 0) {
            throw new IllegalArgumentException("interval, maxSeriesPerRequest, queueCapacity and maxAttempts must be positive");
        }
        bearerToken = bearerToken == null ? "" : bearerToken;
    }

    public static RemoteWriteOptions to(URI endpoint) {
        return new RemoteWriteOptions(endpoint, Duration.ofSeconds(15), 2000, 64, 5, Duration.ofSeconds(10),
                Duration.ofMillis(200), Duration.ofSeconds(10), "");
    }

    public RemoteWriteOptions withInterval(Duration every) {
        return new RemoteWriteOptions(endpoint, every, maxSeriesPerRequest, queueCapacity, maxAttempts, timeout, initialBackoff,
                maxBackoff, bearerToken);
    }

    public RemoteWriteOptions withLimits(int seriesPerRequest, int queue, int attempts, Duration firstBackoff, Duration callTimeout) {
        return new RemoteWriteOptions(endpoint, interval, seriesPerRequest, queue, attempts, callTimeout, firstBackoff, maxBackoff,
                bearerToken);
    }
}
