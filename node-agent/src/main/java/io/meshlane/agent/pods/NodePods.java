package io.meshlane.agent.pods;

import io.meshlane.agent.datapath.PodRegistration;

import java.util.Map;

/**
 * Everything a pod source knows about this node at one moment.
 *
 * @param pods             meshed pods by "namespace/name"
 * @param namespaceSwitches the {@code meshlane.io/acceleration} label of each namespace that has
 *                          one (true = enabled); namespaces without the label are absent
 */
public record NodePods(Map<String, PodRegistration> pods, Map<String, Boolean> namespaceSwitches) {

    public NodePods {
        pods = Map.copyOf(pods);
        namespaceSwitches = Map.copyOf(namespaceSwitches);
    }
}
