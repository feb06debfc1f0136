package io.meshlane.agent.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.meshlane.agent.controlplane.AgentChannels;
import io.meshlane.agent.controlplane.ControlPlaneLink;
import io.meshlane.agent.controlplane.NodeCertificateChannels;
import io.meshlane.agent.controlplane.PlaintextChannels;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.DatapathConfig;
import io.meshlane.agent.datapath.HostMounts;
import io.meshlane.agent.pods.CgroupLayout;
import io.meshlane.agent.pods.KubernetesPodSource;
import io.meshlane.agent.pods.LabPodSource;
import io.meshlane.agent.pods.PodSource;
import io.meshlane.agent.policy.AccelerationRules;
import io.meshlane.agent.service.NodeAgent;
import io.meshlane.agent.stats.MetricsServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code meshlane agent run}: install or adopt the datapath and serve the node until interrupted. */
@Command(name = "run", description = "Run the agent in the foreground until interrupted.", mixinStandardHelpOptions = true)
public final class AgentRunCommand implements Callable<Integer> {

    @Mixin
    NodeOptions node;

    @Option(names = "--pods", description = "Follow the node lab's pod file instead of the Kubernetes API.")
    Path podFile;

    @Option(names = "--kubeconfig", description = "Kubeconfig for the node's cluster (default: in-cluster or ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--control-plane", defaultValue = "${env:MESHLANE_CONTROL_PLANE}",
            description = "mesh-control's agent endpoint host:port (default $MESHLANE_CONTROL_PLANE; none: local switches only).")
    String controlPlane;

    @Option(names = "--control-plane-ca", defaultValue = "${env:MESHLANE_CONTROL_PLANE_CA}",
            description = "PEM CA that signed the control plane's certificate (its data dir's ca.crt; default $MESHLANE_CONTROL_PLANE_CA).")
    Path controlPlaneCa;

    @Option(names = "--join-token-file", defaultValue = "${env:MESHLANE_JOIN_TOKEN_FILE}",
            description = "File holding a join token (meshlane control token create), used once when the state dir holds no node certificate"
                    + " (default $MESHLANE_JOIN_TOKEN_FILE).")
    Path joinTokenFile;

    @Option(names = "--control-plane-plaintext", description = "Talk plaintext gRPC to a control plane on loopback (no node identity).")
    boolean plaintext;

    @Option(names = "--cluster", defaultValue = "${env:MESHLANE_CLUSTER:-local}", description = "This node's cluster name.")
    String cluster;

    @Option(names = "--metrics-port", defaultValue = "15091", description = "Port of /metrics (0 picks a free one).")
    int metricsPort;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1", description = "Address /metrics listens on.")
    String metricsHost;

    @Option(names = "--report-interval", defaultValue = "PT5S", description = "How often stats go to the control plane.")
    Duration reportInterval;

    @Option(names = "--default-acceleration", defaultValue = "true",
            description = "Whether a namespace without label or AccelerationPolicy is accelerated.")
    boolean defaultAcceleration;

    @Option(names = "--uninstall-on-exit", description = "On SIGTERM remove every program, link, map and pin of the node instead of"
            + " leaving them for the next agent to adopt (the chart sets it for the removal of the agents, not for upgrades).")
    boolean uninstallOnExit;

    @Override
    public Integer call() throws InterruptedException {
        long started = System.nanoTime();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // the JVM halts once its hooks return: the hook waits until the datapath is closed (and uninstalled when asked)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                closed.await(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        DatapathConfig config = node.config();
        try {
            return serve(config, started, stop);
        } finally {
            closed.countDown();
        }
    }

    private int serve(DatapathConfig config, long started, CountDownLatch stop) throws InterruptedException {
        try (Datapath datapath = Datapath.open(config);
             KubernetesClient kube = podFile == null ? kubernetes() : null;
             NodeAgent agent = new NodeAgent(datapath, source(kube, config), new AccelerationRules(defaultAcceleration));
             MetricsServer metrics = MetricsServer.start(metricsHost, metricsPort, datapath);
             ControlPlaneLink link = controlPlane == null || controlPlane.isBlank() ? null
                     : agent.linkTo(channels(config), cluster, reportInterval)) {
            agent.start();
            if (link != null) {
                link.start();
            }
            boolean synced = agent.awaitFirstSync(Duration.ofSeconds(30));
            long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            System.out.printf("READY mode=%s programs=%s pods=%d synced=%s metrics=http://%s:%d/metrics startup_ms=%d"
                            + " since_jvm_start_ms=%d%s%n",
                    datapath.mode(), datapath.programIds(), datapath.registeredPods().size(), synced, metricsHost,
                    metrics.port(), (System.nanoTime() - started) / 1_000_000, sinceJvmStart,
                    datapath.mode() == Datapath.Mode.PASS_THROUGH ? " reason=" + datapath.passThroughReason() : "");
            System.out.flush();
            stop.await();
        }
        if (uninstallOnExit) {
            // after the datapath's close: the links are released, so removing the pins detaches the programs
            Datapath.uninstall(config);
            System.out.println("meshlane datapath for node " + config.nodeName() + " removed");
            System.out.flush();
        }
        return 0;
    }

    private AgentChannels channels(DatapathConfig config) {
        if (plaintext) {
            return new PlaintextChannels(controlPlane);
        }
        if (controlPlaneCa == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--control-plane needs --control-plane-ca"
                    + " (the control plane's ca.crt) and, on first contact, --join-token-file; --control-plane-plaintext only on loopback");
        }
        return new NodeCertificateChannels(controlPlane, controlPlaneCa, joinTokenFile, config.stateDir(), config.nodeName(), cluster);
    }

    private KubernetesClient kubernetes() {
        if (kubeconfig != null) {
            System.setProperty("kubeconfig", kubeconfig.toString());
        }
        return new KubernetesClientBuilder().build();
    }

    private PodSource source(KubernetesClient kube, DatapathConfig config) {
        if (podFile != null) {
            return new LabPodSource(podFile, Duration.ofMillis(100));
        }
        return new KubernetesPodSource(kube, config.nodeName(), new CgroupLayout(HostMounts.read().requireCgroup2()));
    }

}
