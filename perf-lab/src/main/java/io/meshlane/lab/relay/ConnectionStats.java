package io.meshlane.lab.relay;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Byte counts of one relayed connection. Written only by the connection's event loop (a plain add
 * per read, no allocation, no atomic read-modify-write); read by the metric reader's callback with
 * opaque access, which on x86 is an ordinary load and guarantees no torn longs.
 */
final class ConnectionStats {
    private static final VarHandle REQUEST;
    private static final VarHandle RESPONSE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUEST = lookup.findVarHandle(ConnectionStats.class, "requestBytes", long.class);
            RESPONSE = lookup.findVarHandle(ConnectionStats.class, "responseBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final RelayTelemetry.Series series;
    @SuppressWarnings("unused") // through REQUEST
    private long requestBytes;
    @SuppressWarnings("unused") // through RESPONSE
    private long responseBytes;
    boolean closed;

    ConnectionStats(RelayTelemetry.Series series) {
        this.series = series;
    }

    /** Downstream → upstream (what the client sent): Istio's received bytes. */
    void request(int bytes) {
        REQUEST.setOpaque(this, (long) REQUEST.getOpaque(this) + bytes);
    }

    /** Upstream → downstream (the response): Istio's sent bytes. */
    void response(int bytes) {
        RESPONSE.setOpaque(this, (long) RESPONSE.getOpaque(this) + bytes);
    }

    long requestBytes() {
        return (long) REQUEST.getOpaque(this);
    }

    long responseBytes() {
        return (long) RESPONSE.getOpaque(this);
    }
}
