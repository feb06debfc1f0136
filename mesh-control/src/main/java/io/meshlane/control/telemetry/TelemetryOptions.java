package io.meshlane.control.telemetry;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How the control plane hosts telemetry. Ports: 0 picks a free one, -1 turns that receiver off.
 * {@code peers} are federation peers' kubeconfigs; {@code scrapeTargets} are Prometheus
 * endpoints to scrape; {@code otlpForward} (host:port of an OTLP/gRPC collector) and
 * {@code remoteWrite} (a Prometheus remote-write URL) hand data on to real backends.
 * OTLP needs TLS and a telemetry credential unless {@code otlpInsecureLoopback} (then plaintext,
 * unauthenticated, and only on a loopback host).
 */
public record TelemetryOptions(int otlpGrpcPort, int otlpHttpPort, int maxOtlpMessageBytes, long memoryBudgetBytes,
                               int maxSeries, String cluster, List<Path> peers, List<URI> scrapeTargets,
                               Duration scrapeInterval, String otlpForward, URI remoteWrite,
                               Duration remoteWriteInterval, boolean otlpInsecureLoopback) {

    public static final int DEFAULT_OTLP_GRPC_PORT = 4317;
    public static final int DEFAULT_OTLP_HTTP_PORT = 4318;
    public static final int OFF = -1;

    public TelemetryOptions {
        peers = List.copyOf(peers);
        scrapeTargets = List.copyOf(scrapeTargets);
        if (cluster == null || cluster.isBlank()) {
            throw new IllegalArgumentException("the telemetry cluster name must not be empty (set --cluster)");
        }
        if (memoryBudgetBytes < 1024 * 1024) {
            throw new IllegalArgumentException("the telemetry memory budget must be at least 1 MiB, not " + memoryBudgetBytes + " bytes");
        }
    }

    /** Library and test default: receivers on free ports, 256 MiB, no peers, no exporters. */
    public static TelemetryOptions defaults() {
        return new TelemetryOptions(0, 0, 4 * 1024 * 1024, 256L * 1024 * 1024, 20_000, "local", List.of(), List.of(),
                Duration.ofSeconds(15), null, null, Duration.ofSeconds(15), false);
    }

    public TelemetryOptions withCluster(String name) {
        return new TelemetryOptions(otlpGrpcPort, otlpHttpPort, maxOtlpMessageBytes, memoryBudgetBytes, maxSeries, name, peers,
                scrapeTargets, scrapeInterval, otlpForward, remoteWrite, remoteWriteInterval, otlpInsecureLoopback);
    }

    /** Plaintext, unauthenticated OTLP on loopback: for a local lab, never for a shared host. */
    public TelemetryOptions withOtlpInsecureLoopback(boolean insecure) {
        return new TelemetryOptions(otlpGrpcPort, otlpHttpPort, maxOtlpMessageBytes, memoryBudgetBytes, maxSeries, cluster, peers,
                scrapeTargets, scrapeInterval, otlpForward, remoteWrite, remoteWriteInterval, insecure);
    }

    public TelemetryOptions withPeers(List<Path> kubeconfigs) {
        return new TelemetryOptions(otlpGrpcPort, otlpHttpPort, maxOtlpMessageBytes, memoryBudgetBytes, maxSeries, cluster,
                kubeconfigs, scrapeTargets, scrapeInterval, otlpForward, remoteWrite, remoteWriteInterval, otlpInsecureLoopback);
    }

    public TelemetryOptions withPorts(int grpc, int http) {
        return new TelemetryOptions(grpc, http, maxOtlpMessageBytes, memoryBudgetBytes, maxSeries, cluster, peers,
                scrapeTargets, scrapeInterval, otlpForward, remoteWrite, remoteWriteInterval, otlpInsecureLoopback);
    }

    public TelemetryOptions withBudget(long bytes, int series) {
        return new TelemetryOptions(otlpGrpcPort, otlpHttpPort, maxOtlpMessageBytes, bytes, series, cluster, peers,
                scrapeTargets, scrapeInterval, otlpForward, remoteWrite, remoteWriteInterval, otlpInsecureLoopback);
    }

    public TelemetryOptions withExport(String forward, URI remote) {
        return new TelemetryOptions(otlpGrpcPort, otlpHttpPort, maxOtlpMessageBytes, memoryBudgetBytes, maxSeries, cluster, peers,
                scrapeTargets, scrapeInterval, forward, remote, remoteWriteInterval, otlpInsecureLoopback);
    }

    public TelemetryOptions withRemoteWriteInterval(Duration every) {
        return new TelemetryOptions(otlpGrpcPort, otlpHttpPort, maxOtlpMessageBytes, memoryBudgetBytes, maxSeries, cluster, peers,
                scrapeTargets, scrapeInterval, otlpForward, remoteWrite, every, otlpInsecureLoopback);
    }

    public TelemetryOptions withScrape(List<URI> targets, Duration interval) {
        return new TelemetryOptions(otlpGrpcPort, otlpHttpPort, maxOtlpMessageBytes, memoryBudgetBytes, maxSeries, cluster, peers,
                targets, interval, otlpForward, remoteWrite, remoteWriteInterval, otlpInsecureLoopback);
    }
}
