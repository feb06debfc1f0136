package io.meshlane.lab.spec;

import java.net.Inet4Address;
import java.util.Map;

/**
 * One pod of a lab as declared in the pod file, validated.
 *
 * @param namespace Kubernetes-style namespace (DNS label)
 * @param name      pod name (DNS label), unique within its namespace
 * @param labels    free-form labels
 * @param sidecar   whether a sidecar relay runs in the pod
 * @param mode      how traffic is redirected to the sidecar
 * @param ip        the pod's address in 10.244.0.0/16
 * @param app       the application the pod runs
 */
public record PodSpec(String namespace, String name, Map<String, String> labels, boolean sidecar,
                      PodMode mode, Inet4Address ip, AppSpec app) {

    public PodSpec {
        labels = Map.copyOf(labels);
    }

    public String key() {
        return namespace + "/" + name;
    }
}
