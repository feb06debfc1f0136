package io.meshlane.agent.datapath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Where this host mounts cgroup v2 and bpffs, read from /proc/mounts. */
public final class HostMounts {

    private static final Path PROC_MOUNTS = Path.of("/proc/mounts");

    private final List<String[]> mounts;

    private HostMounts(List<String[]> mounts) {
        this.mounts = mounts;
    }

    public static HostMounts read() {
        try {
            return new HostMounts(Files.readAllLines(PROC_MOUNTS).stream().map(l -> l.split(" ")).toList());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + PROC_MOUNTS, e);
        }
    }

    /** The cgroup2 mount point; on hybrid hosts this is e.g. /sys/fs/cgroup/unified. */
    public Optional<Path> cgroup2() {
        return firstOfType("cgroup2");
    }

    public Optional<Path> bpffs() {
        return firstOfType("bpf");
    }

    public boolean isBpffs(Path path) {
        return mounts.stream().anyMatch(m -> m.length > 2 && m[2].equals("bpf") && Path.of(m[1]).equals(path));
    }

    private Optional<Path> firstOfType(String type) {
        return mounts.stream().filter(m -> m.length > 2 && m[2].equals(type)).map(m -> Path.of(m[1])).findFirst();
    }

    /** The cgroup2 mount, or an error that says how to get one. */
    public Path requireCgroup2() {
        return cgroup2().orElseThrow(() -> new DatapathException(
                "no cgroup v2 mount in /proc/mounts: " + Feature.CGROUP_V2.remedy()));
    }
}
