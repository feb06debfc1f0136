package io.meshlane.agent.datapath;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Checks a registration against the host and the pods already registered, before any map changes. */
final class PodValidator {

    private final Path cgroupRoot;

    PodValidator(Path cgroupRoot) {
        this.cgroupRoot = cgroupRoot;
    }

    void validate(PodRegistration pod, Map<String, PodRegistration> registered) {
        String who = "pod " + pod.key();
        Path cgroup = pod.cgroup().toAbsolutePath().normalize();
        if (!Files.isDirectory(cgroup)) {
            throw new DatapathException(who + ": cgroup directory " + cgroup + " does not exist; "
                    + "register the pod after its cgroup is created, with the path under " + cgroupRoot);
        }
        if (!cgroup.startsWith(cgroupRoot) || cgroup.equals(cgroupRoot)) {
            throw new DatapathException(who + ": cgroup " + cgroup + " is not below the attached cgroup root "
                    + cgroupRoot + ", so the programs would never see its sockets");
        }
        port(who, "outboundPort", pod.outboundPort());
        port(who, "inboundPort", pod.inboundPort());
        for (int p : pod.excludedPorts()) {
            port(who, "excludedPorts", p);
        }
        for (int p : pod.excludedInboundPorts()) {
            port(who, "excludedInboundPorts", p);
        }
        if (pod.sidecarUid() < 0) {
            throw new DatapathException(who + ": sidecarUid " + pod.sidecarUid() + " is negative");
        }
        if (pod.ips().stream().filter(ip -> ip instanceof java.net.Inet4Address).count() > 1
                || pod.ips().stream().filter(ip -> ip instanceof java.net.Inet6Address).count() > 1) {
            throw new DatapathException(who + ": at most one IPv4 and one IPv6 address per pod, got " + pod.ips());
        }
        for (PodRegistration other : registered.values()) {
            if (other.key().equals(pod.key())) {
                continue;
            }
            if (other.cgroup().toAbsolutePath().normalize().equals(cgroup)) {
                throw new DatapathException(who + ": cgroup " + cgroup + " already belongs to pod " + other.key());
            }
            for (InetAddress ip : pod.ips()) {
                if (other.ips().contains(ip)) {
                    throw new DatapathException(who + ": address " + ip.getHostAddress()
                            + " already belongs to pod " + other.key());
                }
            }
        }
    }

    private static void port(String who, String field, int port) {
        if (port < 1 || port > 65535) {
            throw new DatapathException(who + ": " + field + " " + port + " is not a TCP port (1-65535)");
        }
    }
}
