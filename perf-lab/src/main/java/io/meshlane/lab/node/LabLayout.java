package io.meshlane.lab.node;

import io.meshlane.lab.spec.PodMode;
import io.meshlane.lab.spec.PodSpec;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a lab's objects live. Every object carries the lab's name behind the {@code ml-}
 * prefix so that {@code lab down} finds leftovers after a crash:
 * <ul>
 *   <li>network namespaces {@code ml-<lab>-node} (and {@code ml-<lab>-node2} when pods carry
 *       {@value #NODE_LABEL}{@code : "2"}) and {@code ml-<lab>-<namespace>.<pod>};</li>
 *   <li>a veth "wire" {@code ml-wire} joining the two node namespaces;</li>
 *   <li>the bridge {@code ml-br0} and veths {@code ml-v<n>} inside the node namespace (never in the host's);</li>
 *   <li>cgroups under {@code <cgroup2>/meshlane-lab/<lab>/}: {@code ebpf/} (the subtree the datapath
 *       attaches to) and {@code plain/} (direct and iptables pods); node 2's below {@code node2/};</li>
 *   <li>state, logs and a readable copy of the class path under {@code /run/meshlane-lab/<lab>/};</li>
 *   <li>eBPF pins under {@code /sys/fs/bpf/meshlane/ml-<lab>} and datapath state under
 *       {@code /run/meshlane/ml-<lab>} (the node agent's layout for node name {@code ml-<lab>});
 *       node 2's datapath is node {@code ml-<lab>-2}.</li>
 * </ul>
 */
public record LabLayout(String lab, Path cgroup2) {
    public static final Path RUN_BASE = Path.of("/run/meshlane-lab");
    public static final String BRIDGE = "ml-br0";
    public static final String POD_INTERFACE = "eth0";
    public static final String CGROUP_BASE = "meshlane-lab";
    /** Pod label placing a pod on lab node "1" (the default) or "2". */
    public static final String NODE_LABEL = "meshlane.io/node";
    /** The veth joining the node namespaces (same name at both ends). */
    public static final String WIRE = "ml-wire";
    public static final List<Integer> NODES = List.of(1, 2);

    public static LabLayout of(String lab) {
        return new LabLayout(lab, CgroupMount.cgroup2());
    }

    public String netnsPrefix() {
        return "ml-" + lab + "-";
    }

    public String nodeNetns() {
        return netnsPrefix() + "node";
    }

    public String nodeNetns(int node) {
        return node == 1 ? nodeNetns() : nodeNetns() + node;
    }

    /** The lab node a pod runs on: its {@value #NODE_LABEL} label, 1 without it. */
    public static int node(PodSpec pod) {
        String node = pod.labels().getOrDefault(NODE_LABEL, "1");
        return switch (node) {
            case "1" -> 1;
            case "2" -> 2;
            default -> throw new LabException("pod " + pod.key() + ": label " + NODE_LABEL + " must be \"1\" or \"2\", not \""
                    + node + "\"");
        };
    }

    public String podNetns(PodSpec pod) {
        return netnsPrefix() + pod.namespace() + "." + pod.name();
    }

    public static String veth(int index) {
        return "ml-v" + index;
    }

    public Path cgroupBase() {
        return cgroup2.resolve(CGROUP_BASE);
    }

    public Path cgroupRoot() {
        return cgroupBase().resolve(lab);
    }

    /** The subtree the node agent's programs attach to: only ebpf-mode pods live here. */
    public Path acceleratedRoot() {
        return cgroupRoot().resolve("ebpf");
    }

    public Path plainRoot() {
        return cgroupRoot().resolve("plain");
    }

    /** Node 2's accelerated subtree: its own datapath attaches there, as a second agent would. */
    public Path acceleratedRoot(int node) {
        return node == 1 ? acceleratedRoot() : nodeCgroup(node).resolve("ebpf");
    }

    public Path plainRoot(int node) {
        return node == 1 ? plainRoot() : nodeCgroup(node).resolve("plain");
    }

    private Path nodeCgroup(int node) {
        return cgroupRoot().resolve("node" + node);
    }

    public Path podCgroup(PodSpec pod) {
        int node = node(pod);
        Path parent = pod.mode() == PodMode.EBPF ? acceleratedRoot(node) : plainRoot(node);
        return parent.resolve(pod.namespace() + "." + pod.name());
    }

    /** The telemetry gateway's cgroup (a leaf beside ebpf/ and plain/), so lab down ends it with the pods. */
    public Path gatewayCgroup() {
        return cgroupRoot().resolve("gateway");
    }

    /** Pod address → namespace, workload, service, read by the sidecars for their peer labels. */
    public Path peersFile() {
        return runDir().resolve("peers.tsv");
    }

    public Path runDir() {
        return RUN_BASE.resolve(lab);
    }

    public Path stateFile() {
        return runDir().resolve("state.json");
    }

    public Path logDir() {
        return runDir().resolve("logs");
    }

    public Path classpathDir() {
        return runDir().resolve("classpath");
    }

    public String datapathNode() {
        return "ml-" + lab;
    }

    public String datapathNode(int node) {
        return node == 1 ? datapathNode() : datapathNode() + "-" + node;
    }
}
