package io.meshlane.lab.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Finds where cgroup v2 is mounted (/sys/fs/cgroup on unified hosts, elsewhere on hybrid ones). */
public final class CgroupMount {
    private CgroupMount() {
    }

    public static Path cgroup2() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/mounts"));
        } catch (IOException e) {
            throw new LabException("cannot read /proc/mounts to find the cgroup2 mount: " + e.getMessage(), e);
        }
        return lines.stream()
                .map(l -> l.split(" "))
                .filter(f -> f.length > 2 && f[2].equals("cgroup2"))
                .map(f -> Path.of(f[1].replace("\\040", " ")))
                .findFirst()
                .orElseThrow(() -> new LabException("no cgroup2 filesystem is mounted; the lab needs cgroup v2"
                        + " (mount -t cgroup2 none /sys/fs/cgroup/unified)"));
    }
}
