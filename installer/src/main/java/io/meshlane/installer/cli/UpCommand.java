package io.meshlane.installer.cli;

import io.meshlane.agent.controlplane.ControlPlaneLink;
import io.meshlane.agent.controlplane.NodeCertificateChannels;
import io.meshlane.control.identity.JoinToken;
import io.meshlane.control.identity.JoinTokens;
import io.meshlane.control.security.PrivateFiles;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.DatapathConfig;
import io.meshlane.agent.datapath.PodRecord;
import io.meshlane.agent.pods.LabPodSource;
import io.meshlane.agent.pods.PodFile;
import io.meshlane.agent.policy.AccelerationRules;
import io.meshlane.agent.service.NodeAgent;
import io.meshlane.agent.stats.MetricsServer;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.server.MeshControl;
import io.meshlane.control.server.MeshControlOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.lab.bench.Bench;
import io.meshlane.lab.bench.BenchOptions;
import io.meshlane.lab.bench.BenchResult;
import io.meshlane.lab.bench.BenchRun;
import io.meshlane.lab.capture.EbpfCapture;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.TelemetrySpec;
import io.meshlane.lab.spec.PodMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code meshlane up}: the main job on one machine. mesh-control on its embedded store (with its
 * agents endpoint and xDS server), a node
 * agent, a node lab with an accelerated and a plain namespace, a short side-by-side latency
 * comparison, then it serves until Ctrl-C and cleans everything up.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run meshlane on this machine: control plane, agent, node lab with sample workloads, live comparison.")
public final class UpCommand implements Callable<Integer> {

    @Option(names = "--data-dir", description = "Control-plane data directory (default ~/.meshlane).")
    Path dataDir = Path.of(System.getProperty("user.home"), ".meshlane");

    @Option(names = "--port", defaultValue = "6443", description = "Kubernetes API port of mesh-control.")
    int port;

    @Option(names = "--agent-port", defaultValue = "15012", description = "Port agents connect to.")
    int agentPort;

    @Option(names = "--xds-port", defaultValue = "15010", description = "ADS port of mesh-control.")
    int xdsPort;

    @Option(names = "--metrics-port", defaultValue = "15091", description = "Port of the agent's /metrics.")
    int metricsPort;

    @Option(names = "--otlp-grpc-port", defaultValue = "4317", description = "OTLP/gRPC port of mesh-control's telemetry (-1 = off).")
    int otlpGrpcPort;

    @Option(names = "--otlp-http-port", defaultValue = "4318", description = "OTLP/HTTP port of mesh-control's telemetry; the lab's workloads export to it.")
    int otlpHttpPort;

    @Option(names = "--compare-for", defaultValue = "PT4S", description = "How long each mode is measured in the comparison.")
    Duration compareFor;

    @Option(names = "--exit-after", description = "Stop by itself after this long (for scripted runs).")
    Duration exitAfter;

    /** The AccelerationPolicy the printed "switch off" writes and "switch on" deletes. */
    private static final String SWITCH_OFF = "switch-off";

    /** The cluster name the lab's telemetry and the control plane's views carry. */
    private static final String CLUSTER = "local";

    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch cleaned = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            awaitQuietly(cleaned);
        }));
        try {
            out.println("meshlane up: starting mesh-control (embedded store) in " + dataDir);
            MeshControl mesh = MeshControl.start(MeshControlOptions.of(ControlPlaneOptions.defaults().withDataDir(dataDir)
                    .withListen("127.0.0.1", port)
                                        // the lab's workloads reach OTLP through the lab's gateway, which connects from the host's loopback
                    .withTelemetry(TelemetryOptions.defaults().withCluster(CLUSTER).withPorts(otlpGrpcPort, otlpHttpPort)
                            .withOtlpInsecureLoopback(true)))
                    .withPorts(agentPort, xdsPort));
            cleanup.push(mesh);
            ControlPlane control = mesh.plane();

            out.println("meshlane up: comparing the redirection paths side by side (" + compareFor.toSeconds() + " s per mode)");
            printComparison(out, compare());

            out.println("meshlane up: bringing up the node lab (namespaces 'fast' = eBPF, 'plain' = iptables, 'bookinfo' = a traced chain)");
            NodeLab lab = NodeLab.up(sampleLab().withTelemetry(
                    TelemetrySpec.http("http://127.0.0.1:" + control.telemetry().otlpHttpPort()).withCluster(CLUSTER)));
            cleanup.push(() -> NodeLab.down(lab.spec().name()));
            DatapathConfig datapathConfig = EbpfCapture.config(lab.layout());
            Datapath datapath = Datapath.open(datapathConfig);
            cleanup.push(() -> Datapath.uninstall(datapathConfig));
            cleanup.push(datapath);
            Path podFile = dataDir.resolve("agent-pods.json");
            writeAgentPodFile(lab, podFile);
            NodeAgent agent = new NodeAgent(datapath, new LabPodSource(podFile, Duration.ofMillis(100)), new AccelerationRules(true));
            cleanup.push(agent);
            agent.start();
            MetricsServer metrics = MetricsServer.start("127.0.0.1", metricsPort, datapath);
            cleanup.push(metrics);
            ControlPlaneLink link = agent.linkTo(new NodeCertificateChannels("127.0.0.1:" + mesh.agents().port(),
                    control.caCertificate(), joinToken(control, datapathConfig), datapathConfig.stateDir(), datapathConfig.nodeName(),
                    CLUSTER), CLUSTER, Duration.ofSeconds(2));
            cleanup.push(link);
            link.start();
            agent.awaitFirstSync(Duration.ofSeconds(10));

            registerNamespaces(out, control, lab.spec());

            String kubectl = "kubectl --kubeconfig " + ShellWords.quote(control.kubeconfig());
            String meshlane = ShellWords.launcher();
            out.println();
            out.println("meshlane is up.");
            out.println("  kubeconfig:   " + control.kubeconfig());
            out.println("                " + kubectl + " get namespaces --show-labels");
            out.println("                " + kubectl + " get nodeaccelerations");
            out.println("  switch off:   echo '{\"apiVersion\":\"meshlane.io/v1alpha1\",\"kind\":\"AccelerationPolicy\","
                    + "\"metadata\":{\"name\":\"" + SWITCH_OFF + "\",\"namespace\":\"fast\"},\"spec\":{\"acceleration\":\"Disabled\"}}'"
                    + " | " + kubectl + " apply -f -");
            out.println("  switch on:    " + kubectl + " delete accelerationpolicy " + SWITCH_OFF + " -n fast");
            out.println("  dashboard:    " + control.dashboardUrl());
            out.println("                (the link signs the browser in; the JSON API is under " + control.url() + "/telemetry/v1/)");
            out.println("  telemetry in: OTLP/HTTP http://127.0.0.1:" + control.telemetry().otlpHttpPort()
                    + (control.telemetry().otlpGrpcPort() < 0 ? "" : ", OTLP/gRPC 127.0.0.1:" + control.telemetry().otlpGrpcPort()));
            out.println("                plaintext and unauthenticated on loopback only (--otlp-insecure-loopback, for this lab);"
                    + " meshlane control serves OTLP over TLS with a telemetry token by default");
            out.println("  xDS (ADS):    127.0.0.1:" + mesh.xds().port() + " plaintext, loopback only; mTLS on 127.0.0.1:" + mesh.agents().port()
                    + " with a workload certificate (meshlane control workload-cert --data-dir " + dataDir + " ...)");
            out.println("  metrics:      curl -s http://127.0.0.1:" + metrics.port() + "/metrics");
            out.println("  agent:        " + meshlane + " agent status --node " + datapathConfig.nodeName() + " --cgroup-root "
                    + ShellWords.quote(datapathConfig.cgroupRoot()) + " --state-dir " + ShellWords.quote(datapathConfig.stateDir()));
            out.println("  lab:          " + meshlane + " lab status --lab " + lab.spec().name());
            out.println("Ctrl-C stops everything and removes what it made.");
            out.flush();
            if (exitAfter != null) {
                stop.await(exitAfter.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                stop.await();
            }
            return 0;
        } finally {
            closeAll(out);
            cleaned.countDown();
        }
    }

    /** A one-time join token for this machine's own agent, in a 0600 file of its state directory (never printed). */
    private static Path joinToken(ControlPlane control, DatapathConfig agent) throws IOException {
        Path file = agent.stateDir().resolve("join-token");
        PrivateFiles.write(file, new JoinTokens(control.dataDir()).create(CLUSTER, Duration.ofMinutes(10), JoinToken.Scope.agent));
        return file;
    }

    private BenchResult compare() {
        BenchOptions options = new BenchOptions(List.of(PodMode.DIRECT, PodMode.IPTABLES, PodMode.EBPF), 1000, compareFor,
                List.of(64), 2, 1, Duration.ofSeconds(2), Duration.ofSeconds(2), 8, null, null, "upcmp");
        return new Bench(options, line -> { }).run();
    }

    private static void printComparison(PrintStream out, BenchResult result) {
        Map<String, BenchRun> byMode = new java.util.HashMap<>();
        result.runs().forEach(r -> byMode.put(r.mode(), r));
        out.printf("  %-9s %10s %10s %12s%n", "MODE", "p50 (us)", "p99 (us)", "max req/s");
        for (String mode : List.of("direct", "iptables", "ebpf")) {
            BenchRun r = byMode.get(mode);
            if (r != null) {
                out.printf("  %-9s %10.1f %10.1f %12.0f%n", mode, r.p50Us(), r.p99Us(), r.maxRps());
            }
        }
        BenchRun direct = byMode.get("direct");
        BenchRun iptables = byMode.get("iptables");
        BenchRun ebpf = byMode.get("ebpf");
        if (direct != null && iptables != null && ebpf != null && iptables.p50Us() > direct.p50Us()) {
            out.printf("  mesh-added p50: ebpf %.1f us vs iptables %.1f us (%.0f%%)%n", ebpf.p50Us() - direct.p50Us(),
                    iptables.p50Us() - direct.p50Us(),
                    100 * (ebpf.p50Us() - direct.p50Us()) / (iptables.p50Us() - direct.p50Us()));
        }
    }

    private static LabSpec sampleLab() throws IOException {
        Path file = Files.createTempFile("meshlane-up-", ".yaml");
        try (InputStream in = UpCommand.class.getResourceAsStream("/io/meshlane/installer/up-lab.yaml")) {
            Files.write(file, in.readAllBytes());
            return io.meshlane.lab.spec.PodFile.read(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The lab's accelerated pods as the agent's pod source reads them. */
    private static void writeAgentPodFile(NodeLab lab, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        List<PodRecord> pods = lab.pods().stream().filter(p -> p.spec().mode() == PodMode.EBPF && p.spec().sidecar())
                .map(EbpfCapture::registration).map(PodRecord::of).toList();
        new PodFile(Map.of(), pods).write(file);
    }

    /**
     * The lab's namespaces exist in the control plane, so kubectl, AccelerationPolicies and the dashboard's
     * switch reach them; one that exists (a restart on the same data directory) is kept as the user left it.
     */
    private static void registerNamespaces(PrintStream out, ControlPlane control, LabSpec lab) {
        List<String> created = new java.util.ArrayList<>();
        lab.namespaceLabels().forEach((namespace, labels) -> {
            if (control.ensureNamespace(namespace, labels)) {
                created.add(namespace);
            }
        });
        out.println("meshlane up: the lab's namespaces " + lab.namespaceLabels().keySet() + " are in the control plane"
                + (created.isEmpty() ? " (kept as they were)" : " (created: " + String.join(", ", created) + ")"));
    }


    private void closeAll(PrintStream out) {
        while (!cleanup.isEmpty()) {
            try {
                cleanup.pop().close();
            } catch (Exception e) {
                out.println("meshlane up: cleanup step failed: " + e.getMessage());
            }
        }
        out.println("meshlane up: stopped and cleaned up");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
