package io.meshlane.agent.cli;

import io.meshlane.agent.datapath.DatapathConfig;
import io.meshlane.agent.datapath.DatapathException;
import io.meshlane.agent.datapath.Feature;
import io.meshlane.agent.datapath.HostMounts;
import io.meshlane.agent.pods.CgroupLayout;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The options that name a node's datapath, shared by the agent commands. */
public final class NodeOptions {

    @Option(names = "--node", description = "Node name; pins live under /sys/fs/bpf/meshlane/<node>.",
            defaultValue = "${env:MESHLANE_NODE:-local}")
    String node;

    @Option(names = "--cgroup-root", description = "cgroup-v2 subtree to attach to (default: <cgroup2>/kubepods).")
    Path cgroupRoot;

    @Option(names = "--state-dir", description = "Where registrations persist (default: /run/meshlane/<node>).")
    Path stateDir;

    @Option(names = "--assume-missing", split = ",", description = "Features to treat as missing (pass-through testing): ${COMPLETION-CANDIDATES}.")
    List<Feature> assumeMissing = List.of();

    public DatapathConfig config() {
        Path root = cgroupRoot != null ? cgroupRoot : new CgroupLayout(HostMounts.read().requireCgroup2()).kubepodsRoot()
                .orElseThrow(() -> new DatapathException("no kubepods cgroup (kubepods.slice or kubepods) under the "
                        + "cgroup v2 mount: pass --cgroup-root with the subtree your pods run in"));
        DatapathConfig config = DatapathConfig.forCgroupRoot(node, root);
        if (stateDir != null) {
            config = config.withStateDir(stateDir);
        }
        Set<Feature> missing = assumeMissing.isEmpty() ? Set.of() : EnumSet.copyOf(assumeMissing);
        return config.withForcedMissing(missing);
    }
}
