package io.meshlane.control.telemetry.otlp;

/**
 * Where and how the OTLP receivers listen. Port 0 picks a free port, -1 turns that receiver off.
 * {@code maxMessageBytes} bounds one request (after gzip decoding on HTTP); larger ones are refused.
 * {@code token}, when not empty, must arrive as "Authorization: Bearer &lt;token&gt;".
 * {@code maxSeries} bounds the memory of cumulative metric series (for delta conversion).
 */
public record OtlpReceiverOptions(String host, int grpcPort, int httpPort, int maxMessageBytes, String token, int maxSeries) {

    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    public OtlpReceiverOptions {
        host = host == null || host.isEmpty() ? "127.0.0.1" : host;
        token = token == null ? "" : token;
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxMessageBytes);
        }
        if (maxSeries <= 0) {
            throw new IllegalArgumentException("maxSeries must be positive, got " + maxSeries);
        }
    }

    public static OtlpReceiverOptions defaults() {
        return new OtlpReceiverOptions("127.0.0.1", 4317, 4318, DEFAULT_MAX_MESSAGE_BYTES, "", 100_000);
    }

    /** Both receivers on free loopback ports: for tests. */
    public static OtlpReceiverOptions ephemeral() {
        return new OtlpReceiverOptions("127.0.0.1", 0, 0, DEFAULT_MAX_MESSAGE_BYTES, "", 100_000);
    }

    public OtlpReceiverOptions withToken(String t) {
        return new OtlpReceiverOptions(host, grpcPort, httpPort, maxMessageBytes, t, maxSeries);
    }

    public OtlpReceiverOptions withMaxMessageBytes(int n) {
        return new OtlpReceiverOptions(host, grpcPort, httpPort, n, token, maxSeries);
    }

    public OtlpReceiverOptions withPorts(int grpc, int http) {
        return new OtlpReceiverOptions(host, grpc, http, maxMessageBytes, token, maxSeries);
    }

    boolean authRequired() {
        return !token.isEmpty();
    }
}
