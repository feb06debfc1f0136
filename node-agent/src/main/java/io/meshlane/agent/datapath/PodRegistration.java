package io.meshlane.agent.datapath;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A pod the datapath should know about: where its processes live (cgroup-v2 directory),
 * its addresses, and how its sidecar is reached.
 *
 * @param namespace        Kubernetes namespace; acceleration is switched per namespace
 * @param name             pod name, unique within the namespace
 * @param cgroup           the pod's cgroup-v2 directory (absolute path on this node)
 * @param ips              the pod's IPv4/IPv6 addresses
 * @param sidecar          whether the pod runs a sidecar that should receive its traffic
 * @param sidecarUid       uid the sidecar runs as; its own connections are never redirected
 * @param outboundPort     sidecar outbound capture port (Istio: 15001)
 * @param inboundPort      sidecar inbound capture port (Istio: 15006)
 * @param excludedPorts    outbound destination ports that bypass the sidecar
 * @param excludedCidrs    outbound destination CIDRs that bypass the sidecar
 * @param includedCidrs    when not empty, only these outbound CIDRs go to the sidecar (Istio's
 *                         includeOutboundIPRanges); the longest matching prefix decides
 * @param excludedInboundPorts ports of this pod that other sidecars reach directly, not via 15006
 */
public record PodRegistration(String namespace, String name, Path cgroup, List<InetAddress> ips,
                              boolean sidecar, int sidecarUid, int outboundPort, int inboundPort,
                              Set<Integer> excludedPorts, List<Cidr> excludedCidrs, List<Cidr> includedCidrs,
                              Set<Integer> excludedInboundPorts) {

    public static final int ISTIO_PROXY_UID = 1337;
    public static final int ISTIO_OUTBOUND_PORT = 15001;
    public static final int ISTIO_INBOUND_PORT = 15006;

    public PodRegistration {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cgroup, "cgroup");
        ips = List.copyOf(ips);
        excludedPorts = Set.copyOf(excludedPorts);
        excludedCidrs = List.copyOf(excludedCidrs);
        includedCidrs = List.copyOf(includedCidrs);
        excludedInboundPorts = Set.copyOf(excludedInboundPorts);
    }

    /** A pod with outbound exclusions only, the common case. */
    public PodRegistration(String namespace, String name, Path cgroup, List<InetAddress> ips, boolean sidecar,
                           int sidecarUid, int outboundPort, int inboundPort, Set<Integer> excludedPorts,
                           List<Cidr> excludedCidrs) {
        this(namespace, name, cgroup, ips, sidecar, sidecarUid, outboundPort, inboundPort, excludedPorts, excludedCidrs,
                List.of(), Set.of());
    }

    /** A pod with an Istio-default sidecar and no exclusions. */
    public static PodRegistration withIstioSidecar(String namespace, String name, Path cgroup,
                                                   List<InetAddress> ips) {
        return new PodRegistration(namespace, name, cgroup, ips, true, ISTIO_PROXY_UID,
                ISTIO_OUTBOUND_PORT, ISTIO_INBOUND_PORT, Set.of(), List.of());
    }

    public String key() {
        return namespace + "/" + name;
    }
}
