package io.meshlane.lab.node;

import io.meshlane.lab.capture.EbpfCapture;
import io.meshlane.lab.capture.IstioIptables;
import io.meshlane.lab.spec.AddressPlan;
import io.meshlane.lab.spec.AppSpec;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodMode;
import io.meshlane.lab.spec.PodSpec;
import io.meshlane.lab.spec.Services;
import io.meshlane.lab.spec.TelemetrySpec;
import io.meshlane.lab.telemetry.ExportConfig;
import io.meshlane.lab.telemetry.WorkloadIdentity;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A simulated Kubernetes node on this machine: a node network namespace with a bridge, one
 * network namespace + veth + cgroup per pod, the pods' sidecars and applications.
 * {@link #up} builds it (and tears down whatever it built if a step fails), {@link #down}
 * removes everything a lab made, found by name prefix, so it also works after a crash.
 */
public final class NodeLab implements AutoCloseable {
    public static final String RELAY_MAIN = "io.meshlane.lab.relay.RelayMain";
    public static final String ECHO_MAIN = "io.meshlane.lab.app.EchoServer";
    public static final String LOAD_MAIN = "io.meshlane.lab.load.LoadClientMain";
    public static final String HTTP_MAIN = "io.meshlane.lab.http.HttpServiceMain";
    public static final String HTTP_LOAD_MAIN = "io.meshlane.lab.http.HttpLoadMain";
    public static final String GATEWAY_MAIN = "io.meshlane.lab.telemetry.TelemetryGateway";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final LabSpec spec;
    private final LabLayout layout;
    private final List<LabPod> pods;
    private final List<LabState.Proc> processes = new ArrayList<>();
    private String sidecarClasspath;

    private NodeLab(LabSpec spec, LabLayout layout, List<LabPod> pods) {
        this.spec = spec;
        this.layout = layout;
        this.pods = List.copyOf(pods);
    }

    /** Builds the lab described by {@code spec}; on failure everything already made is removed. */
    public static NodeLab up(LabSpec spec) {
        Preflight.check();
        LabLayout layout = LabLayout.of(spec.name());
        if (exists(layout)) {
            throw new LabException("lab '" + spec.name() + "' is already up (or left over from a crash);"
                    + " run `meshlane lab down --lab " + spec.name() + "` first");
        }
        List<LabPod> pods = new ArrayList<>();
        for (int i = 0; i < spec.pods().size(); i++) {
            PodSpec p = spec.pods().get(i);
            pods.add(new LabPod(p, layout.podNetns(p), layout.podCgroup(p), LabLayout.veth(i)));
        }
        NodeLab lab = new NodeLab(spec, layout, pods);
        try {
            lab.build();
            return lab;
        } catch (RuntimeException e) {
            try {
                down(spec.name());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void build() {
        try {
            Files.createDirectories(layout.logDir());
        } catch (IOException e) {
            throw new LabException("cannot create " + layout.logDir() + ": " + e.getMessage(), e);
        }
        writeState();
        Cgroups.create(layout.acceleratedRoot());
        Cgroups.create(layout.plainRoot());
        pods.forEach(p -> Cgroups.create(p.cgroup()));

        List<Integer> nodes = nodes();
        for (int node : nodes) {
            buildNode(node);
        }
        if (nodes.size() > 1) {
            wireNodes();
        }
        for (LabPod pod : pods) {
            int node = LabLayout.node(pod.spec());
            String nodeNetns = layout.nodeNetns(node);
            Netns.add(pod.netns());
            HostCommand.run("ip", "-n", nodeNetns, "link", "add", pod.veth(), "type", "veth",
                    "peer", "name", LabLayout.POD_INTERFACE, "netns", pod.netns());
            HostCommand.run("ip", "-n", nodeNetns, "link", "set", pod.veth(), "master", LabLayout.BRIDGE, "up");
            HostCommand.run("ip", "-n", pod.netns(), "addr", "add", pod.ip() + "/" + AddressPlan.PREFIX,
                    "dev", LabLayout.POD_INTERFACE);
            HostCommand.run("ip", "-n", pod.netns(), "link", "set", LabLayout.POD_INTERFACE, "up");
            if (nodes.size() > 1) {
                // the other node's half of the /16 is not on this bridge: through the node, over the wire
                HostCommand.run("ip", "-n", pod.netns(), "route", "add", AddressPlan.nodeRange(3 - node),
                        "via", AddressPlan.bridge(node).getHostAddress(), "dev", LabLayout.POD_INTERFACE);
            }
            if (pod.spec().mode() == PodMode.IPTABLES) {
                IstioIptables.apply(pod.netns());
            }
        }
        for (int node : nodes) {
            List<LabPod> accelerated = pods.stream()
                    .filter(p -> p.spec().mode() == PodMode.EBPF && LabLayout.node(p.spec()) == node).toList();
            if (!accelerated.isEmpty()) {
                EbpfCapture.install(layout, node, accelerated);
            }
        }
        writeState();
        if (spec.telemetry().isPresent() || spec.xdsPort() > 0) {
            PeerTable.write(layout.peersFile(), pods);
        }
        if (spec.telemetry().isPresent()) {
            startGateway("telemetry", spec.telemetry().orElseThrow().endpoint().getHost(), spec.telemetry().orElseThrow().endpoint().getPort());
        }
        if (spec.xdsPort() > 0) {
            startGateway("xds", "127.0.0.1", spec.xdsPort());
        }
        startSidecars();
        startApps();
        writeState();
    }

    /** The lab nodes its pods are placed on: always node 1, node 2 when a pod asks for it. */
    private List<Integer> nodes() {
        boolean second = pods.stream().anyMatch(p -> LabLayout.node(p.spec()) == 2);
        if (second) {
            for (LabPod pod : pods) {
                int node = LabLayout.node(pod.spec());
                if (AddressPlan.nodeOf(pod.spec().ip()) != node) {
                    throw new LabException("pod " + pod.key() + " runs on node " + node + " but its address " + pod.ip()
                            + " is outside that node's pod range " + AddressPlan.nodeRange(node)
                            + ": give it an address in that range (or leave it out to have one assigned)");
                }
            }
        }
        return second ? LabLayout.NODES : List.of(1);
    }

    /** A node namespace with its bridge; it routes (forwards) between its bridge and the wire. */
    private void buildNode(int node) {
        String netns = layout.nodeNetns(node);
        Netns.add(netns);
        HostCommand.run("ip", "-n", netns, "link", "add", LabLayout.BRIDGE, "type", "bridge");
        HostCommand.run("ip", "-n", netns, "addr", "add",
                AddressPlan.bridge(node).getHostAddress() + "/" + AddressPlan.PREFIX, "dev", LabLayout.BRIDGE);
        HostCommand.run("ip", "-n", netns, "link", "set", LabLayout.BRIDGE, "up");
    }

    /**
     * Joins node 1 and node 2 by a veth "wire" (10.243.255.1/30 - .2/30) with a route to the other
     * node's pod range at each end, so cross-node traffic is routed packets between namespaces.
     */
    private void wireNodes() {
        String one = layout.nodeNetns(1);
        String two = layout.nodeNetns(2);
        HostCommand.run("ip", "-n", one, "link", "add", LabLayout.WIRE, "type", "veth", "peer", "name", LabLayout.WIRE,
                "netns", two);
        String[] ends = {"10.243.255.1", "10.243.255.2"};
        for (int node : LabLayout.NODES) {
            String netns = layout.nodeNetns(node);
            HostCommand.run("ip", "-n", netns, "addr", "add", ends[node - 1] + "/30", "dev", LabLayout.WIRE);
            HostCommand.run("ip", "-n", netns, "link", "set", LabLayout.WIRE, "up");
            HostCommand.run("ip", "-n", netns, "route", "add", AddressPlan.nodeRange(3 - node), "via", ends[2 - node],
                    "dev", LabLayout.WIRE);
            HostCommand.run("ip", "netns", "exec", netns, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        }
    }

    /**
     * Starts the telemetry gateway (see {@code TelemetryGateway}) in the lab's cgroup, in the
     * host namespace: pods export to the bridge address, it forwards to the configured endpoint.
     */
    private void startGateway(String what, String host, int port) {
        Path cgroup = layout.gatewayCgroup();
        Cgroups.create(cgroup);
        List<String> cmd = JavaCommand.of(JavaCommand.currentClasspath(), GATEWAY_MAIN, List.of(
                "--netns", layout.nodeNetns(),
                "--listen", AddressPlan.BRIDGE.getHostAddress() + ":" + port,
                "--upstream", host + ":" + port));
        String name = what.equals("telemetry") ? "gateway" : what + "-gateway";
        Path log = layout.logDir().resolve(name + ".log");
        Process p = PodLauncher.startDetachedInCgroup(cgroup, cmd, log, "the " + what + " gateway");
        record("-", name, p, cmd, log);
        PodLauncher.awaitReady(p, log, "the " + what + " gateway", READY_TIMEOUT);
    }

    /**
     * Where pods send OTLP: the gateway on the bridge, same port as the configured endpoint.
     * Empty when the lab has no telemetry.
     */
    public Optional<ExportConfig> podExport() {
        return spec.telemetry().map(t -> new ExportConfig(URI.create("http://" + AddressPlan.BRIDGE.getHostAddress()
                + ":" + t.endpoint().getPort()), t.exportInterval(), ExportConfig.DEFAULT_TIMEOUT));
    }

    /** The resource identity of a pod's processes. */
    public WorkloadIdentity identity(LabPod pod) {
        return new WorkloadIdentity(pod.spec().namespace(), pod.spec().workload(), pod.spec().service(),
                pod.spec().name(), spec.telemetry().map(TelemetrySpec::cluster).orElse(TelemetrySpec.DEFAULT_CLUSTER));
    }

    /** Options telling a lab process in {@code pod} who it is and (with telemetry) where to export. */
    public List<String> telemetryArgs(LabPod pod) {
        List<String> args = new ArrayList<>(identity(pod).args());
        podExport().ifPresent(e -> args.addAll(e.args()));
        return args;
    }

    private List<String> sidecarArgs(LabPod pod) {
        List<String> args = new ArrayList<>(List.of("--pod", pod.key()));
        if (spec.xdsPort() > 0) {
            // the sidecar is an ADS client of the control plane, reached through the lab's gateway on the bridge
            args.addAll(List.of("--xds", AddressPlan.BRIDGE.getHostAddress() + ":" + spec.xdsPort(),
                    "--node-ip", pod.ip(), "--routes-peers", layout.peersFile().toString()));
        }
        if (spec.telemetry().isPresent() && pod.spec().telemetry()) {
            ExportConfig export = podExport().orElseThrow();
            WorkloadIdentity id = identity(pod);
            args.addAll(List.of("--peers", layout.peersFile().toString()));
            args.addAll(export.args());
            args.addAll(List.of("--namespace", id.namespace(), "--workload", id.workload(), "--service", id.service(),
                    "--cluster", id.cluster()));
        }
        return args;
    }

    /** The requests per lane colour an {@code http} pod has served so far (see {@code ServedCounts}). */
    public Path servedCounts(LabPod pod) {
        return podFile(pod, "served.tsv");
    }

    /** The latency summary an {@code http-load} pod writes when its run is over. */
    public Path latencySummary(LabPod pod) {
        return podFile(pod, "latency.json");
    }

    private void startSidecars() {
        List<Runnable> waits = new ArrayList<>();
        for (LabPod pod : pods) {
            if (pod.spec().sidecar()) {
                List<String> cmd = JavaCommand.of(sidecarClasspath(), RELAY_MAIN, sidecarArgs(pod));
                Path log = log(pod, "sidecar");
                Process p = PodLauncher.startDetached(pod, cmd, true, log);
                record(pod.key(), "sidecar", p, cmd, log);
                waits.add(() -> PodLauncher.awaitReady(p, log, "the sidecar of pod " + pod.key(), READY_TIMEOUT));
            }
        }
        waits.forEach(Runnable::run);
    }

    private void startApps() {
        List<Runnable> waits = new ArrayList<>();
        List<LabPod> ordered = pods.stream()
                .sorted(Comparator.comparingInt(p -> isClient(p) ? 1 : 0)).toList();
        boolean clientsStarted = false;
        for (LabPod pod : ordered) {
            if (isClient(pod) && !clientsStarted) {
                clientsStarted = true;
                waits.forEach(Runnable::run);
                waits.clear();
            }
            List<String> cmd = appCommand(pod);
            if (cmd.isEmpty()) {
                continue;
            }
            Path log = log(pod, "app");
            Process p = PodLauncher.startDetached(pod, cmd, false, log);
            record(pod.key(), "app", p, cmd, log);
            if (!(pod.spec().app() instanceof AppSpec.Command)) {
                waits.add(() -> PodLauncher.awaitReady(p, log, "the app of pod " + pod.key(), READY_TIMEOUT));
            }
        }
        waits.forEach(Runnable::run);
    }

    private static boolean isClient(LabPod pod) {
        return pod.spec().app() instanceof AppSpec.Load || pod.spec().app() instanceof AppSpec.HttpLoad;
    }

    private List<String> appCommand(LabPod pod) {
        String cp = JavaCommand.currentClasspath();
        return switch (pod.spec().app()) {
            case AppSpec.Echo echo -> JavaCommand.of(cp, ECHO_MAIN, List.of("--port", String.valueOf(echo.port())));
            case AppSpec.Load load -> JavaCommand.of(cp, LOAD_MAIN, List.of(
                    "--target", pod(load.target()).ip(), "--port", String.valueOf(load.port()),
                    "--rate", String.valueOf(load.rate()), "--payload", String.valueOf(load.payload()),
                    "--connections", String.valueOf(load.connections())));
            case AppSpec.Http http -> JavaCommand.of(cp, HTTP_MAIN, httpArgs(pod, http));
            case AppSpec.HttpLoad load -> JavaCommand.of(cp, HTTP_LOAD_MAIN, httpLoadArgs(pod, load.target(), load.port(),
                    load.path(), load.rate(), load.duration(), latencySummary(pod)));
            case AppSpec.Command command -> command.argv();
            case AppSpec.None none -> List.of();
        };
    }

    private List<String> httpArgs(LabPod pod, AppSpec.Http http) {
        List<String> args = new ArrayList<>(List.of("--service", http.service(), "--port", String.valueOf(http.port()),
                "--delay-millis", String.valueOf(http.delayMillis()), "--error-rate", String.valueOf(http.errorRate()),
                "--slow-every", String.valueOf(http.slowEvery()), "--slow-millis", String.valueOf(http.slowMillis())));
        for (AppSpec.Hop hop : http.calls()) {
            args.add("--call");
            args.add(hopArg(pod, hop));
        }
        args.addAll(List.of("--served-file", servedCounts(pod).toString()));
        args.addAll(telemetryArgs(pod));
        return args;
    }

    private String hopArg(LabPod caller, AppSpec.Hop hop) {
        if (hop.url() != null) {
            URI url = URI.create(hop.url());
            String peer = pods.stream().filter(p -> p.ip().equals(url.getHost())).map(p -> p.spec().service())
                    .findFirst().orElse(url.getHost());
            return hop.url() + "=" + peer;
        }
        String ns = hop.namespace() == null ? caller.spec().namespace() : hop.namespace();
        LabPod callee = service(ns, hop.service());
        return "http://" + callee.ip() + ":" + hop.port() + hop.path() + "=" + hop.service();
    }

    /** The first pod (in file order) of an http service, or the pod itself for a "namespace/name" key. */
    public LabPod service(String namespace, String target) {
        List<PodSpec> found = Services.resolve(spec.pods(), namespace, target);
        if (found.isEmpty()) {
            throw new LabException("lab '" + spec.name() + "' has no pod or http service '" + target
                    + "' in namespace " + namespace);
        }
        return pod(found.getFirst().key());
    }

    /**
     * Options of {@code HttpLoadMain} sending from {@code pod} to {@code target} (a service of the
     * pod's namespace, "service.namespace", or a pod key).
     */
    public List<String> httpLoadArgs(LabPod pod, String target, int port, String path, int rate, Duration duration,
                                     Path summary) {
        LabPod callee = service(pod.spec().namespace(), target);
        List<String> args = new ArrayList<>(List.of("--url", "http://" + callee.ip() + ":" + port + path,
                "--peer-service", callee.spec().service(), "--rate", String.valueOf(rate),
                "--duration-millis", String.valueOf(duration.toMillis()), "--summary", summary.toString()));
        args.addAll(telemetryArgs(pod));
        return args;
    }

    private synchronized String sidecarClasspath() {
        if (sidecarClasspath == null) {
            sidecarClasspath = ClasspathStager.readableByAll(JavaCommand.currentClasspath(), layout.classpathDir());
        }
        return sidecarClasspath;
    }

    /**
     * Starts a Java process of this code base inside a pod (its netns and cgroup, as root) with
     * stdin/stdout connected to the caller; stderr goes to the pod's log directory.
     */
    public Process startJava(LabPod pod, String role, String mainClass, List<String> args) {
        List<String> cmd = JavaCommand.of(JavaCommand.currentClasspath(), mainClass, args);
        Path log = log(pod, role);
        Process p = PodLauncher.startPiped(pod, cmd, false, log);
        record(pod.key(), role, p, cmd, log);
        writeState();
        return p;
    }

    /** Runs any command inside a pod (its netns and cgroup) as root, detached, output to a log. */
    public Process startCommand(LabPod pod, String role, List<String> command) {
        Path log = log(pod, role);
        Process p = PodLauncher.startDetached(pod, command, false, log);
        record(pod.key(), role, p, command, log);
        writeState();
        return p;
    }

    private Path log(LabPod pod, String role) {
        return podFile(pod, role + ".log");
    }

    /** A file of {@code pod} in the lab's log directory: {@code <namespace>.<name>.<suffix>}. */
    public Path podFile(LabPod pod, String suffix) {
        return layout.logDir().resolve(pod.spec().namespace() + "." + pod.spec().name() + "." + suffix);
    }

    private synchronized void record(String key, String role, Process p, List<String> cmd, Path log) {
        processes.add(new LabState.Proc(key, role, p.pid(), String.join(" ", cmd), log.toString()));
    }

    private synchronized void writeState() {
        List<LabState.Pod> ps = pods.stream().map(p -> new LabState.Pod(p.spec().namespace(), p.spec().name(),
                p.ip(), p.spec().mode().id(), p.spec().sidecar(), p.netns(), p.cgroup().toString(), p.veth(),
                p.spec().labels(), p.spec().app().toString())).toList();
        new LabState(spec.name(), layout.nodeNetns(), LabLayout.BRIDGE, layout.cgroupRoot().toString(),
                spec.uses(PodMode.EBPF) ? layout.datapathNode() : null, ps, List.copyOf(processes))
                .write(layout.stateFile());
    }

    public LabSpec spec() {
        return spec;
    }

    public LabLayout layout() {
        return layout;
    }

    public List<LabPod> pods() {
        return pods;
    }

    public LabPod pod(String key) {
        return pods.stream().filter(p -> p.key().equals(key)).findFirst()
                .orElseThrow(() -> new LabException("lab '" + spec.name() + "' has no pod " + key));
    }

    public synchronized List<LabState.Proc> processes() {
        return List.copyOf(processes);
    }

    @Override
    public void close() {
        down(spec.name());
    }

    static boolean exists(LabLayout layout) {
        return Files.exists(layout.runDir()) || Files.exists(layout.cgroupRoot())
                || !Netns.list(layout.netnsPrefix()).isEmpty();
    }

    /** The state of a running lab, if there is one. */
    public static Optional<LabState> status(String lab) {
        return LabState.read(LabLayout.of(lab).stateFile());
    }

    /**
     * Removes everything lab {@code lab} made; see {@link LabTeardown#down}. Idempotent; works
     * without the state file (after a crash).
     */
    public static List<String> down(String lab) {
        return LabTeardown.down(lab);
    }

    /** Every lab that has something left on this machine. */
    public static List<String> labs() {
        return LabTeardown.labs();
    }
}
