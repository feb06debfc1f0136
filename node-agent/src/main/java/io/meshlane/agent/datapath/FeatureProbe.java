package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.BpfException;
import io.meshlane.agent.bpf.KernelProbe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Probes the running kernel and host for every {@link Feature}. Features named in
 * {@code forcedMissing} are reported missing whatever the kernel says: the seam that lets
 * tests and operators exercise pass-through mode on a capable host.
 */
public final class FeatureProbe {

    private static final long CAP_NET_ADMIN = 12;
    private static final long CAP_SYS_ADMIN = 21;
    private static final long CAP_BPF = 39;

    private final Set<Feature> forcedMissing;

    public FeatureProbe(Set<Feature> forcedMissing) {
        this.forcedMissing = Set.copyOf(forcedMissing);
    }

    public ProbeReport probe() {
        HostMounts mounts = HostMounts.read();
        List<FeatureCheck> checks = new ArrayList<>();
        long caps = effectiveCapabilities();
        boolean privileged = has(caps, CAP_SYS_ADMIN) && has(caps, CAP_NET_ADMIN)
                && (has(caps, CAP_BPF) || has(caps, CAP_SYS_ADMIN));
        checks.add(check(Feature.PRIVILEGES, privileged, String.format("CapEff=%016x", caps)));
        checks.add(check(Feature.BTF, Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "/sys/kernel/btf/vmlinux"));
        checks.add(check(Feature.CGROUP_V2, mounts.cgroup2().isPresent(),
                mounts.cgroup2().map(p -> "mounted at " + p).orElse("not mounted")));
        boolean bpffs = mounts.bpffs().isPresent();
        checks.add(check(Feature.BPFFS, bpffs || privileged,
                mounts.bpffs().map(p -> "mounted at " + p).orElse(privileged ? "not mounted; the agent will mount it" : "not mounted")));
        checks.add(check(Feature.CGROUP_CONNECT, probeProgram(KernelProbe.PROG_CGROUP_SOCK_ADDR), "prog type 18"));
        checks.add(check(Feature.CGROUP_GETSOCKOPT, probeProgram(KernelProbe.PROG_CGROUP_SOCKOPT), "prog type 25"));
        checks.add(check(Feature.SOCK_OPS, probeProgram(KernelProbe.PROG_SOCK_OPS), "prog type 13"));
        checks.add(check(Feature.SK_MSG, probeProgram(KernelProbe.PROG_SK_MSG), "prog type 16"));
        checks.add(check(Feature.SOCKHASH, probeMap(KernelProbe.MAP_SOCKHASH), "map type 18"));
        KernelVersion kernel = KernelVersion.running();
        checks.add(check(Feature.BPF_LINK, kernel.atLeast(5, 7), "kernel " + kernel));
        checks.add(check(Feature.NETNS_COOKIE, kernel.atLeast(5, 15), "kernel " + kernel));
        return new ProbeReport(checks);
    }

    private FeatureCheck check(Feature feature, boolean ok, String detail) {
        if (forcedMissing.contains(feature)) {
            return new FeatureCheck(feature, false, "reported missing by configuration (probe override)");
        }
        return new FeatureCheck(feature, ok, detail);
    }

    private static boolean probeProgram(int type) {
        try {
            return KernelProbe.programType(type);
        } catch (BpfException e) {
            return false;
        }
    }

    private static boolean probeMap(int type) {
        try {
            return KernelProbe.mapType(type);
        } catch (BpfException e) {
            return false;
        }
    }

    private static boolean has(long caps, long bit) {
        return (caps & (1L << bit)) != 0;
    }

    private static long effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
