package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.identity.TelemetryCredentials;

/**
 * Where and how the OTLP receivers listen. Port 0 picks a free port, -1 turns that receiver off.
 * {@code maxMessageBytes} bounds one request (after gzip decoding on HTTP); larger ones are refused.
 * {@code credentials} decide who may write as which cluster, over TLS; null serves plaintext without
 * authentication, allowed only on a loopback host (the control option --otlp-insecure-loopback).
 * {@code maxSeries} bounds the memory of cumulative metric series (for delta conversion).
 */
public record OtlpReceiverOptions(String host, int grpcPort, int httpPort, int maxMessageBytes, TelemetryCredentials credentials, int maxSeries) {

    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    public OtlpReceiverOptions {
        host = host == null || host.isEmpty() ? "127.0.0.1" : host;
        if (credentials == null && !loopback(host)) {
            throw new IllegalArgumentException("plaintext, unauthenticated OTLP is served only on loopback, not on " + host
                    + ": drop --otlp-insecure-loopback (OTLP then needs TLS and a telemetry token or client certificate)");
        }
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxMessageBytes);
        }
        if (maxSeries <= 0) {
            throw new IllegalArgumentException("maxSeries must be positive, got " + maxSeries);
        }
    }

    /** Plaintext on the standard loopback ports. */
    public static OtlpReceiverOptions defaults() {
        return new OtlpReceiverOptions("127.0.0.1", 4317, 4318, DEFAULT_MAX_MESSAGE_BYTES, null, 100_000);
    }

    /** Both receivers on free loopback ports, plaintext: for tests. */
    public static OtlpReceiverOptions ephemeral() {
        return new OtlpReceiverOptions("127.0.0.1", 0, 0, DEFAULT_MAX_MESSAGE_BYTES, null, 100_000);
    }

    public OtlpReceiverOptions withCredentials(TelemetryCredentials c) {
        return new OtlpReceiverOptions(host, grpcPort, httpPort, maxMessageBytes, c, maxSeries);
    }

    public OtlpReceiverOptions withMaxMessageBytes(int n) {
        return new OtlpReceiverOptions(host, grpcPort, httpPort, n, credentials, maxSeries);
    }

    public OtlpReceiverOptions withPorts(int grpc, int http) {
        return new OtlpReceiverOptions(host, grpc, http, maxMessageBytes, credentials, maxSeries);
    }

    boolean secure() {
        return credentials != null;
    }

    static boolean loopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
