package io.meshlane.lab.relay;

/** The workload on one end of a relayed connection, as Istio's metric labels name it. */
public record PeerWorkload(String namespace, String workload, String service) {
    /** What Istio reports for a peer it cannot identify. */
    public static final PeerWorkload UNKNOWN = new PeerWorkload("unknown", "unknown", "unknown");
}
