package io.meshlane.lab.spec;

import java.net.URI;
import java.time.Duration;

/**
 * Where a lab's workloads and sidecars export OTLP, as seen from the host. Pods cannot reach the
 * host's loopback; the lab runs a gateway on the node bridge that forwards to this endpoint
 * (see {@code io.meshlane.lab.telemetry.TelemetryGateway}).
 *
 * @param endpoint       OTLP/HTTP base URL on the host, e.g. http://127.0.0.1:4318
 * @param protocol       "http/protobuf" (the only sender on the lab's class path is the JDK HTTP one;
 *                       OTLP/gRPC would need grpc-java or OkHttp, which the lab does not ship)
 * @param cluster        value of k8s.cluster.name / source_cluster / destination_cluster
 * @param exportInterval how often metrics are exported and span batches flushed
 */
public record TelemetrySpec(URI endpoint, String protocol, String cluster, Duration exportInterval) {
    public static final String HTTP_PROTOBUF = "http/protobuf";
    public static final String DEFAULT_CLUSTER = "lab";

    public TelemetrySpec {
        if (endpoint == null || !"http".equals(endpoint.getScheme()) || endpoint.getHost() == null || endpoint.getPort() <= 0) {
            throw new LabSpecException("telemetry endpoint '" + endpoint + "' must be http://<host>:<port>,"
                    + " e.g. http://127.0.0.1:4318");
        }
        if (!HTTP_PROTOBUF.equals(protocol)) {
            throw new LabSpecException("telemetry protocol '" + protocol + "' is not supported: the lab exports "
                    + HTTP_PROTOBUF + " only (point it at the receiver's OTLP/HTTP port, usually 4318)");
        }
        if (cluster == null || cluster.isBlank()) {
            throw new LabSpecException("telemetry cluster must not be empty");
        }
        if (exportInterval == null || exportInterval.isNegative() || exportInterval.isZero()) {
            throw new LabSpecException("telemetry export interval must be positive, got " + exportInterval);
        }
    }

    /** http/protobuf to {@code endpoint}, cluster "lab", export every second. */
    public static TelemetrySpec http(String endpoint) {
        return new TelemetrySpec(URI.create(endpoint), HTTP_PROTOBUF, DEFAULT_CLUSTER, Duration.ofSeconds(1));
    }

    public TelemetrySpec withCluster(String name) {
        return new TelemetrySpec(endpoint, protocol, name, exportInterval);
    }

    public TelemetrySpec withExportInterval(Duration every) {
        return new TelemetrySpec(endpoint, protocol, cluster, every);
    }
}
