package io.meshlane.lab.node;

import io.meshlane.lab.spec.PodSpec;

import java.nio.file.Path;

/**
 * A pod as it exists on the node: its declaration plus where it lives.
 *
 * @param spec   the validated declaration (namespace, name, labels, mode, ip, app)
 * @param netns  the pod's network namespace (run commands with {@code ip netns exec <netns>})
 * @param cgroup the pod's cgroup-v2 directory; every process of the pod is in it
 * @param veth   the node-side end of the pod's veth, on the node namespace's bridge
 */
public record LabPod(PodSpec spec, String netns, Path cgroup, String veth) {
    public String key() {
        return spec.key();
    }

    public String ip() {
        return spec.ip().getHostAddress();
    }
}
