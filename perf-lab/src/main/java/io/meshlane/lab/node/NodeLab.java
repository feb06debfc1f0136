package io.meshlane.lab.node;

import io.meshlane.lab.capture.EbpfCapture;
import io.meshlane.lab.capture.IstioIptables;
import io.meshlane.lab.spec.AddressPlan;
import io.meshlane.lab.spec.AppSpec;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodMode;
import io.meshlane.lab.spec.PodSpec;

import java.io.IOException;
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

        String node = layout.nodeNetns();
        Netns.add(node);
        HostCommand.run("ip", "-n", node, "link", "add", LabLayout.BRIDGE, "type", "bridge");
        HostCommand.run("ip", "-n", node, "addr", "add",
                AddressPlan.BRIDGE.getHostAddress() + "/" + AddressPlan.PREFIX, "dev", LabLayout.BRIDGE);
        HostCommand.run("ip", "-n", node, "link", "set", LabLayout.BRIDGE, "up");
        for (LabPod pod : pods) {
            Netns.add(pod.netns());
            HostCommand.run("ip", "-n", node, "link", "add", pod.veth(), "type", "veth",
                    "peer", "name", LabLayout.POD_INTERFACE, "netns", pod.netns());
            HostCommand.run("ip", "-n", node, "link", "set", pod.veth(), "master", LabLayout.BRIDGE, "up");
            HostCommand.run("ip", "-n", pod.netns(), "addr", "add", pod.ip() + "/" + AddressPlan.PREFIX,
                    "dev", LabLayout.POD_INTERFACE);
            HostCommand.run("ip", "-n", pod.netns(), "link", "set", LabLayout.POD_INTERFACE, "up");
            if (pod.spec().mode() == PodMode.IPTABLES) {
                IstioIptables.apply(pod.netns());
            }
        }
        List<LabPod> accelerated = pods.stream().filter(p -> p.spec().mode() == PodMode.EBPF).toList();
        if (!accelerated.isEmpty()) {
            EbpfCapture.install(layout, accelerated);
        }
        writeState();
        startSidecars();
        startApps();
        writeState();
    }

    private void startSidecars() {
        List<Runnable> waits = new ArrayList<>();
        for (LabPod pod : pods) {
            if (pod.spec().sidecar()) {
                List<String> cmd = JavaCommand.of(sidecarClasspath(), RELAY_MAIN, List.of("--pod", pod.key()));
                Path log = log(pod, "sidecar");
                Process p = PodLauncher.startDetached(pod, cmd, true, log);
                record(pod, "sidecar", p, cmd, log);
                waits.add(() -> PodLauncher.awaitReady(p, log, "the sidecar of pod " + pod.key(), READY_TIMEOUT));
            }
        }
        waits.forEach(Runnable::run);
    }

    private void startApps() {
        List<Runnable> waits = new ArrayList<>();
        List<LabPod> ordered = pods.stream()
                .sorted(Comparator.comparingInt(p -> p.spec().app() instanceof AppSpec.Load ? 1 : 0)).toList();
        for (LabPod pod : ordered) {
            if (pod.spec().app() instanceof AppSpec.Load) {
                waits.forEach(Runnable::run);
                waits.clear();
            }
            List<String> cmd = appCommand(pod);
            if (cmd.isEmpty()) {
                continue;
            }
            Path log = log(pod, "app");
            Process p = PodLauncher.startDetached(pod, cmd, false, log);
            record(pod, "app", p, cmd, log);
            if (!(pod.spec().app() instanceof AppSpec.Command)) {
                waits.add(() -> PodLauncher.awaitReady(p, log, "the app of pod " + pod.key(), READY_TIMEOUT));
            }
        }
        waits.forEach(Runnable::run);
    }

    private List<String> appCommand(LabPod pod) {
        String cp = JavaCommand.currentClasspath();
        return switch (pod.spec().app()) {
            case AppSpec.Echo echo -> JavaCommand.of(cp, ECHO_MAIN, List.of("--port", String.valueOf(echo.port())));
            case AppSpec.Load load -> JavaCommand.of(cp, LOAD_MAIN, List.of(
                    "--target", pod(load.target()).ip(), "--port", String.valueOf(load.port()),
                    "--rate", String.valueOf(load.rate()), "--payload", String.valueOf(load.payload()),
                    "--connections", String.valueOf(load.connections())));
            case AppSpec.Command command -> command.argv();
            case AppSpec.None none -> List.of();
        };
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
        record(pod, role, p, cmd, log);
        writeState();
        return p;
    }

    /** Runs any command inside a pod (its netns and cgroup) as root, detached, output to a log. */
    public Process startCommand(LabPod pod, String role, List<String> command) {
        Path log = log(pod, role);
        Process p = PodLauncher.startDetached(pod, command, false, log);
        record(pod, role, p, command, log);
        writeState();
        return p;
    }

    private Path log(LabPod pod, String role) {
        return layout.logDir().resolve(pod.spec().namespace() + "." + pod.spec().name() + "." + role + ".log");
    }

    private synchronized void record(LabPod pod, String role, Process p, List<String> cmd, Path log) {
        processes.add(new LabState.Proc(pod.key(), role, p.pid(), String.join(" ", cmd), log.toString()));
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
