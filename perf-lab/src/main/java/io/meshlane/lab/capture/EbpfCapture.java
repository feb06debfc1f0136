package io.meshlane.lab.capture;

import io.meshlane.agent.datapath.Cidr;
import io.meshlane.agent.datapath.Counter;
import io.meshlane.agent.datapath.CounterSnapshot;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.DatapathConfig;
import io.meshlane.agent.datapath.DatapathException;
import io.meshlane.agent.datapath.PodRegistration;
import io.meshlane.lab.node.LabException;
import io.meshlane.lab.node.LabLayout;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.Netns;
import io.meshlane.lab.spec.AddressPlan;

import java.net.InetAddress;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ebpf mode: the node agent's datapath ({@link Datapath}) attached to the lab's accelerated
 * cgroup subtree ({@code <lab cgroup>/ebpf}), pinned as node {@code ml-<lab>}. Every ebpf-mode
 * pod is registered with an Istio-default sidecar (uid 1337, 15001/15006; the lab's telemetry gateway
 * excluded) and its namespace is switched on. No iptables rule is written for these pods. The lab process opens the datapath,
 * registers, and closes its handles; the pinned programs keep working until {@link #uninstall}.
 */
public final class EbpfCapture {
    private EbpfCapture() {
    }

    /**
     * The bridge address, where the lab's telemetry gateway listens: pods' OTLP exports to it bypass their
     * sidecars (Istio's excludeOutboundIPRanges), so the lab's own plumbing never shows up as a mesh service.
     */
    public static final String LAB_INFRASTRUCTURE = AddressPlan.BRIDGE.getHostAddress() + "/32";

    /**
     * How a lab pod with a sidecar is registered with the datapath: Istio's defaults, the lab's gateway
     * excluded, and Istio's own inbound ports left to the proxy as the iptables mode leaves them.
     */
    public static PodRegistration registration(LabPod pod) {
        return new PodRegistration(pod.spec().namespace(), pod.spec().name(), pod.cgroup(), List.<InetAddress>of(pod.spec().ip()),
                true, PodRegistration.ISTIO_PROXY_UID, PodRegistration.ISTIO_OUTBOUND_PORT, PodRegistration.ISTIO_INBOUND_PORT,
                Set.of(), List.of(Cidr.parse(LAB_INFRASTRUCTURE)), List.of(), Set.copyOf(IstioIptables.INBOUND_EXCLUDED));
    }

    public static DatapathConfig config(LabLayout layout) {
        return config(layout, 1);
    }

    /** Node {@code node}'s datapath, as that node's agent would install it: its own cgroup subtree and pins. */
    public static DatapathConfig config(LabLayout layout, int node) {
        return DatapathConfig.forCgroupRoot(layout.datapathNode(node), layout.acceleratedRoot(node));
    }

    public static void install(LabLayout layout, List<LabPod> pods) {
        install(layout, 1, pods);
    }

    /**
     * Installs node {@code node}'s datapath and registers its ebpf pods; each sidecar pod's inbound
     * traffic is captured on its eth0 by tc + sk_assign, so no iptables rule is needed for it either.
     */
    public static void install(LabLayout layout, int node, List<LabPod> pods) {
        try (Datapath dp = Datapath.open(config(layout, node))) {
            if (dp.mode() != Datapath.Mode.ACCELERATING) {
                throw new LabException("ebpf mode cannot run on this machine: the node agent's datapath is in"
                        + " pass-through mode (" + dp.passThroughReason() + "); run `meshlane preflight` to see what is missing");
            }
            TreeSet<String> namespaces = new TreeSet<>();
            for (LabPod pod : pods) {
                if (!pod.spec().sidecar()) {
                    continue;
                }
                dp.registerPod(registration(pod));
                dp.captureInbound(pod.spec().namespace(), pod.spec().name(), Netns.path(pod.netns()), LabLayout.POD_INTERFACE);
                namespaces.add(pod.spec().namespace());
            }
            namespaces.forEach(ns -> dp.setNamespaceAcceleration(ns, true));
        } catch (DatapathException | java.io.UncheckedIOException e) {
            throw new LabException("ebpf mode: the node agent's datapath failed: " + e.getMessage(), e);
        }
    }

    /** True when this lab left datapath pins or state behind, on either node. */
    public static boolean installed(LabLayout layout) {
        return LabLayout.NODES.stream().map(n -> config(layout, n))
                .anyMatch(config -> Files.exists(config.pinDir()) || Files.exists(config.stateDir()));
    }

    /** Uninstalls both nodes' datapaths (whichever exist). */
    public static void uninstall(LabLayout layout) {
        for (int node : LabLayout.NODES) {
            DatapathConfig config = config(layout, node);
            try {
                Datapath.uninstall(config);
            } catch (DatapathException e) {
                throw new LabException("cannot uninstall the lab's datapath " + config.pinDir() + ": " + e.getMessage(), e);
            }
        }
    }

    /** The datapath's counters (summed over CPUs), by metric name. */
    public static Map<String, Long> counters(LabLayout layout) {
        return counters(layout, 1);
    }

    /** Node {@code node}'s datapath counters, by metric name. */
    public static Map<String, Long> counters(LabLayout layout, int node) {
        try (Datapath dp = Datapath.open(config(layout, node))) {
            CounterSnapshot snapshot = dp.counters();
            Map<String, Long> out = new LinkedHashMap<>();
            for (Counter c : Counter.values()) {
                out.put(c.metricName(), snapshot.get(c));
            }
            return out;
        } catch (DatapathException e) {
            throw new LabException("cannot read the lab's datapath counters: " + e.getMessage(), e);
        }
    }
}
