package io.meshlane.control.cli;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.telemetry.Telemetry;

/** What an operator needs to send telemetry to a running control plane and to look at it. */
public final class TelemetryBanner {

    private TelemetryBanner() {
    }

    public static String lines(ControlPlane plane) {
        Telemetry t = plane.telemetry();
        String host = plane.url().substring("https://".length(), plane.url().lastIndexOf(':'));
        StringBuilder out = new StringBuilder();
        out.append("telemetry in: OTLP/gRPC ").append(t.otlpGrpcPort() < 0 ? "off" : host + ":" + t.otlpGrpcPort())
                .append(", OTLP/HTTP ").append(t.otlpHttpPort() < 0 ? "off" : (t.otlpSecure() ? "https://" : "http://") + host + ":" + t.otlpHttpPort())
                .append(t.otlpSecure() ? " (TLS, trust " + plane.caCertificate() + "; Authorization: Bearer <token from meshlane control token"
                        + " create --cluster C --scope telemetry> or a client certificate from the CA; the cluster comes from the credential)\n"
                        : " (plaintext, unauthenticated, loopback only: --otlp-insecure-loopback; cluster "
                        + t.store().config().localCluster() + " unless the data names its own)\n");
        out.append("dashboard (signs this browser in; keep the link private): ").append(plane.dashboardUrl()).append('\n');
        out.append("telemetry API: ").append(plane.url()).append("/telemetry/v1/topology (bearer token from the kubeconfig)");
        return out.toString();
    }
}
