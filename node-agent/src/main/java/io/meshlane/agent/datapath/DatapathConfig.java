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
 * @param sockhashEntries capacity of the socket map: two entries per accelerated connection;
 *                      when it is full, new connections pass through unaccelerated (counted)
 */
public record DatapathConfig(String nodeName, Path cgroupRoot, Path bpffs, Path stateDir, Set<Feature> forcedMissing,
                             int sockhashEntries) {

    public static final int DEFAULT_SOCKHASH_ENTRIES = 65536;

    public static final Path DEFAULT_BPFFS = Path.of("/sys/fs/bpf");
    public static final Path DEFAULT_STATE_ROOT = Path.of("/run/meshlane");

    public DatapathConfig {
        if (nodeName == null || !nodeName.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new DatapathException("node name \"" + nodeName + "\" is not usable as a directory name: "
                    + "use letters, digits, '.', '_' or '-' (at most 63)");
        }
        cgroupRoot = cgroupRoot.toAbsolutePath().normalize();
        forcedMissing = Set.copyOf(forcedMissing);
        if (sockhashEntries < 2) {
            throw new DatapathException("sockhash capacity " + sockhashEntries + " is too small: at least 2 (one connection)");
        }
    }

    public static DatapathConfig forCgroupRoot(String nodeName, Path cgroupRoot) {
        return new DatapathConfig(nodeName, cgroupRoot, DEFAULT_BPFFS, DEFAULT_STATE_ROOT.resolve(nodeName), Set.of(),
                DEFAULT_SOCKHASH_ENTRIES);
    }

    public DatapathConfig withForcedMissing(Set<Feature> features) {
        return new DatapathConfig(nodeName, cgroupRoot, bpffs, stateDir, features, sockhashEntries);
    }

    public DatapathConfig withStateDir(Path dir) {
        return new DatapathConfig(nodeName, cgroupRoot, bpffs, dir, forcedMissing, sockhashEntries);
    }

    /** Takes effect when the programs are installed, not when an earlier install is adopted. */
    public DatapathConfig withSockhashEntries(int entries) {
        return new DatapathConfig(nodeName, cgroupRoot, bpffs, stateDir, forcedMissing, entries);
    }

    /** /sys/fs/bpf/meshlane/&lt;node&gt;: everything meshlane pins for this node lives below. */
    public Path pinDir() {
        return bpffs.resolve("meshlane").resolve(nodeName);
    }
}
