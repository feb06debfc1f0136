package io.meshlane.agent.datapath;

/** Slots of the ml_counters per-CPU array, in the order of enum ml_counter in meshlane.h. */
public enum Counter {
    CONNECT_REDIRECTED_OUTBOUND,
    CONNECT_REDIRECTED_INBOUND,
    ORIG_DST_ANSWERED,
    ORIG_DST_MISSED,
    SOCKETS_INSERTED,
    SOCKHASH_FULL,
    MSG_REDIRECTED,
    BYTES_REDIRECTED,
    REDIRECT_FAILED,
    PASS_NOT_MESHED,
    PASS_NS_DISABLED,
    PASS_SIDECAR_UID,
    PASS_LOOPBACK,
    PASS_EXCLUDED_PORT,
    PASS_EXCLUDED_CIDR,
    PASS_NO_SIDECAR,
    PASS_CAPTURE_PORT,
    CONNECTIONS_ACCELERATED,
    INBOUND_ASSIGNED,
    INBOUND_PASS_NOT_MESHED,
    INBOUND_PASS_NO_SIDECAR,
    INBOUND_PASS_NS_DISABLED,
    INBOUND_PASS_EXCLUDED_PORT,
    INBOUND_PASS_CAPTURE_PORT,
    INBOUND_PASS_EXISTING,
    INBOUND_PASS_NO_LISTENER,
    INBOUND_ASSIGN_FAILED;

    /** The metric-style name, e.g. {@code msg_redirected}. */
    public String metricName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
