package io.meshlane.agent.datapath;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The JSON form of a {@link PodRegistration}, as pod files and the agent's persisted state
 * carry it. Strings are parsed with errors that name the pod and the bad value.
 */
public record PodRecord(String namespace, String name, String cgroup, List<String> ips, Boolean sidecar,
                        Integer sidecarUid, Integer outboundPort, Integer inboundPort, List<Integer> excludedPorts,
                        List<String> excludedCidrs, List<String> includedCidrs, List<Integer> excludedInboundPorts) {

    public PodRecord(String namespace, String name, String cgroup, List<String> ips, Boolean sidecar, Integer sidecarUid,
                     Integer outboundPort, Integer inboundPort, List<Integer> excludedPorts, List<String> excludedCidrs) {
        this(namespace, name, cgroup, ips, sidecar, sidecarUid, outboundPort, inboundPort, excludedPorts, excludedCidrs,
                null, null);
    }

    public static PodRecord of(PodRegistration pod) {
        return new PodRecord(pod.namespace(), pod.name(), pod.cgroup().toString(),
                pod.ips().stream().map(InetAddress::getHostAddress).toList(), pod.sidecar(), pod.sidecarUid(),
                pod.outboundPort(), pod.inboundPort(), pod.excludedPorts().stream().sorted().toList(),
                pod.excludedCidrs().stream().map(Cidr::toString).toList(),
                pod.includedCidrs().stream().map(Cidr::toString).toList(),
                pod.excludedInboundPorts().stream().sorted().toList());
    }

    public PodRegistration toRegistration() {
        String who = "pod " + namespace + "/" + name;
        if (namespace == null || namespace.isBlank() || name == null || name.isBlank()) {
            throw new DatapathException("a pod entry lacks its namespace or name: both are required");
        }
        if (cgroup == null || cgroup.isBlank()) {
            throw new DatapathException(who + ": \"cgroup\" is required (the pod's cgroup-v2 directory)");
        }
        List<InetAddress> addresses = ips == null ? List.of() : ips.stream().map(ip -> address(who, ip)).toList();
        List<Cidr> cidrs = cidrs(who, excludedCidrs);
        List<Cidr> included = cidrs(who, includedCidrs);
        return new PodRegistration(namespace, name, Path.of(cgroup), addresses, sidecar == null || sidecar,
                sidecarUid == null ? PodRegistration.ISTIO_PROXY_UID : sidecarUid,
                outboundPort == null ? PodRegistration.ISTIO_OUTBOUND_PORT : outboundPort,
                inboundPort == null ? PodRegistration.ISTIO_INBOUND_PORT : inboundPort,
                excludedPorts == null ? Set.of() : Set.copyOf(excludedPorts), cidrs, included,
                excludedInboundPorts == null ? Set.of() : Set.copyOf(excludedInboundPorts));
    }

    private static List<Cidr> cidrs(String who, List<String> texts) {
        try {
            return texts == null ? List.of() : texts.stream().map(Cidr::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new DatapathException(who + ": " + e.getMessage(), e);
        }
    }

    private static InetAddress address(String who, String ip) {
        if (ip == null || !ip.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new DatapathException(who + ": \"" + ip + "\" is not an IP address literal");
        }
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new DatapathException(who + ": \"" + ip + "\" is not an IP address: " + e.getMessage(), e);
        }
    }
}
