package io.meshlane.lab.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the lab needs from the machine; fails with every missing piece named. */
public final class Preflight {
    private static final List<String> TOOLS = List.of("ip", "iptables-restore", "iptables", "setpriv", "setsid", "sh");

    private Preflight() {
    }

    public static void check() {
        List<String> missing = new ArrayList<>();
        if (!isRoot()) {
            missing.add("root privileges (network namespaces, cgroups and iptables need root, or CAP_NET_ADMIN + CAP_SYS_ADMIN)");
        }
        for (String tool : TOOLS) {
            if (which(tool) == null) {
                missing.add("the '" + tool + "' command (apt-get install iproute2 iptables util-linux)");
            }
        }
        try {
            CgroupMount.cgroup2();
        } catch (LabException e) {
            missing.add(e.getMessage());
        }
        if (!missing.isEmpty()) {
            throw new LabException("the node lab cannot run here; missing:\n  - " + String.join("\n  - ", missing));
        }
    }

    public static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .map(l -> l.split("\\s+")[2])
                    .anyMatch("0"::equals);
        } catch (IOException e) {
            return false;
        }
    }

    public static Path which(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
