package io.meshlane.control.telemetry.store;

import io.meshlane.control.telemetry.signals.Peer;

/**
 * The identity of one aggregate series. {@code source} is {@link #NO_PEER} for the
 * destination-only kinds (SERVICE, WORKLOAD, ENDPOINT); {@code operation} is "" except for
 * ENDPOINT. Both peers carry their cluster, so keys of different clusters never collide.
 */
public record SeriesKey(SeriesKind kind, Peer source, Peer destination, String operation) {

    public static final Peer NO_PEER = new Peer("", "", "", "");
    public static final String OVERFLOW_SERVICE = "__overflow__";

    public SeriesKey {
        if (kind == null || source == null || destination == null) {
            throw new IllegalArgumentException("series key needs a kind, a source and a destination");
        }
        operation = operation == null ? "" : operation;
    }

    public static SeriesKey service(Peer servicePeer) {
        return new SeriesKey(SeriesKind.SERVICE, NO_PEER, servicePeer, "");
    }

    /** True for the key that collects what the cardinality cap folded away. */
    public boolean isOverflow() {
        return destination.service().equals(OVERFLOW_SERVICE);
    }

    /** The overflow key of the same kind and cluster that samples beyond the cap are folded into. */
    SeriesKey overflow() {
        Peer folded = new Peer(destination.cluster(), "", "", OVERFLOW_SERVICE);
        boolean edge = kind == SeriesKind.EDGE || kind == SeriesKind.WORKLOAD_EDGE;
        return new SeriesKey(kind, edge ? folded : NO_PEER, folded, "");
    }

    /** "cluster/namespace/service" (or ".../workload" for workload-level peers); "unknown" for callers outside the mesh. */
    public static String nodeId(Peer peer, boolean workloadLevel) {
        if (peer.isUnknown()) {
            return "unknown";
        }
        return peer.cluster() + "/" + peer.namespace() + "/" + (workloadLevel ? peer.workload() : peer.service());
    }

    long footprintBytes() {
        return 160 + peerBytes(source) + peerBytes(destination) + 48 + operation.length();
    }

    private static long peerBytes(Peer p) {
        return p == NO_PEER ? 0 : 32 + 4 * 48 + p.cluster().length() + p.namespace().length() + p.workload().length()
                + p.service().length();
    }
}
