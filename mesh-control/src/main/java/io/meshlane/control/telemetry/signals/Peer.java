package io.meshlane.control.telemetry.signals;

/**
 * One side of a call, named the way Istio's standard labels name it: the cluster, the
 * workload's namespace, the workload (deployment-like name) and its canonical service.
 * Unknown parts are the empty string, never null.
 */
public record Peer(String cluster, String namespace, String workload, String service) {

    public static final Peer UNKNOWN = new Peer("", "", "", "");

    public Peer {
        cluster = cluster == null ? "" : cluster;
        namespace = namespace == null ? "" : namespace;
        workload = workload == null ? "" : workload;
        service = service == null ? "" : service;
    }

    public boolean isUnknown() {
        return service.isEmpty() && workload.isEmpty();
    }
}
