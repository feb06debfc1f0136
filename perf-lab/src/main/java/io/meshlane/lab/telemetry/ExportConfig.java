package io.meshlane.lab.telemetry;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * How a lab process exports OTLP: the base URL it can reach (inside a pod: the lab's gateway on
 * the node bridge), how often, and how long one export may take.
 */
public record ExportConfig(URI endpoint, Duration interval, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    public String signalUrl(String signal) {
        String base = endpoint.toString();
        return (base.endsWith("/") ? base : base + "/") + "v1/" + signal;
    }

    /** The command-line options a lab process receives: {@code --otlp URL --export-interval MS}. */
    public List<String> args() {
        return List.of("--otlp", endpoint.toString(), "--export-interval", String.valueOf(interval.toMillis()));
    }
}
