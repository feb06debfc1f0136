package io.meshlane.agent.datapath;

import java.nio.file.Path;
import java.util.Set;

/**
 * Where the datapath attaches and keeps its state.
 *
 * @param nodeName      names the pin directory /sys/fs/bpf/meshlane/&lt;node&gt; and the state directory
 * @param cgroupRoot    cgroup-v2 subtree the programs attach to (kubepods, or a lab/test subtree);
 *                      never the machine's root cgroup
 * @param bpffs         bpffs mount point; mounted there if absent
 * @param stateDir      where registrations and namespace switches persist across restarts
 * @param forcedMissing features the probe must report missing (pass-through test seam)
 */
public record DatapathConfig(String nodeName, Path cgroupRoot, Path bpffs, Path stateDir, Set<Feature> forcedMissing) {

    public static final Path DEFAULT_BPFFS = Path.of("/sys/fs/bpf");
    public static final Path DEFAULT_STATE_ROOT = Path.of("/run/meshlane");

    public DatapathConfig {
        if (nodeName == null || !nodeName.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new DatapathException("node name \"" + nodeName + "\" is not usable as a directory name: "
                    + "use letters, digits, '.', '_' or '-' (at most 63)");
        }
        cgroupRoot = cgroupRoot.toAbsolutePath().normalize();
        forcedMissing = Set.copyOf(forcedMissing);
    }

    public static DatapathConfig forCgroupRoot(String nodeName, Path cgroupRoot) {
        return new DatapathConfig(nodeName, cgroupRoot, DEFAULT_BPFFS, DEFAULT_STATE_ROOT.resolve(nodeName), Set.of());
    }

    public DatapathConfig withForcedMissing(Set<Feature> features) {
        return new DatapathConfig(nodeName, cgroupRoot, bpffs, stateDir, features);
    }

    public DatapathConfig withStateDir(Path dir) {
        return new DatapathConfig(nodeName, cgroupRoot, bpffs, dir, forcedMissing);
    }

    /** /sys/fs/bpf/meshlane/&lt;node&gt;: everything meshlane pins for this node lives below. */
    public Path pinDir() {
        return bpffs.resolve("meshlane").resolve(nodeName);
    }
}
