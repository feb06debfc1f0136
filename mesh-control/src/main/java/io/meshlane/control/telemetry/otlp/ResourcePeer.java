package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.signals.Peer;
import java.util.Map;

/**
 * The emitting workload named by OpenTelemetry resource attributes: service.name is the service;
 * service.namespace, else k8s.namespace.name, the namespace; k8s.deployment.name (else a StatefulSet's
 * or DaemonSet's name) the workload, defaulting to the service name; k8s.cluster.name, else "cluster",
 * the cluster.
 */
final class ResourcePeer {
    private ResourcePeer() {
    }

    static Peer of(Map<String, String> resource) {
        String service = first(resource, "service.name");
        String namespace = first(resource, "service.namespace", "k8s.namespace.name");
        String workload = first(resource, "k8s.deployment.name", "k8s.statefulset.name", "k8s.daemonset.name");
        String cluster = first(resource, "k8s.cluster.name", "cluster");
        return new Peer(cluster, namespace, workload.isEmpty() ? service : workload, service);
    }

    private static String first(Map<String, String> m, String... keys) {
        for (String k : keys) {
            String v = m.get(k);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return "";
    }
}
