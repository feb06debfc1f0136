package io.meshlane.agent.datapath;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the agent has told the datapath, persisted on the node so that a restarted agent
 * (or one whose control plane is down) carries on with the same pods and switches.
 */
/** @param cgroupIds the cgroup id each pod was registered with: its directory may vanish before it is unregistered */
record AgentState(Map<String, Integer> namespaceIds, Map<String, Boolean> accelerated, Map<String, Integer> podIds,
                  Map<String, PodRecord> pods, Map<String, Long> cgroupIds, int nextNamespaceId, int nextPodId) {

    AgentState {
        namespaceIds = new TreeMap<>(namespaceIds);
        accelerated = new TreeMap<>(accelerated);
        podIds = new TreeMap<>(podIds);
        pods = new TreeMap<>(pods);
        cgroupIds = new TreeMap<>(cgroupIds == null ? Map.of() : cgroupIds);
    }

    static AgentState empty() {
        return new AgentState(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), 1, 1);
    }
}
