package io.meshlane.agent.service;

import io.meshlane.agent.controlplane.AgentChannels;
import io.meshlane.agent.controlplane.ControlPlaneLink;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.DatapathConfig;
import io.meshlane.agent.datapath.DatapathException;
import io.meshlane.agent.datapath.PodRegistration;
import io.meshlane.agent.pods.NodePods;
import io.meshlane.agent.pods.PodSource;
import io.meshlane.agent.policy.AccelerationRules;
import io.meshlane.agent.stats.NodeStatsReport;
import io.meshlane.api.agent.v1.NodeIdentity;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The agent as a node service: follows a {@link PodSource} and the control plane's policy,
 * and keeps the datapath's pods and namespace switches equal to what they say. All changes
 * run on one thread, in order; a change reaches the maps as soon as it is seen.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NodeAgent.class.getName());
    static final String AGENT_VERSION = "0.1.0";

    private final Datapath datapath;
    private final PodSource source;
    private final AccelerationRules rules;
    private final ExecutorService loop = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("node-agent").factory());
    private final CountDownLatch firstSync = new CountDownLatch(1);
    private NodePods pods = new NodePods(Map.of(), Map.of());
    private Map<String, Boolean> policy = Map.of();

    public NodeAgent(Datapath datapath, PodSource source, AccelerationRules rules) {
        this.datapath = datapath;
        this.source = source;
        this.rules = rules;
    }

    public void start() {
        source.start(next -> loop.execute(() -> {
            pods = next;
            reconcile();
            firstSync.countDown();
        }));
    }

    /** The control plane's switches (namespace -> enabled), replacing the previous ones. */
    public void policy(Map<String, Boolean> namespaces) {
        Map<String, Boolean> copy = Map.copyOf(namespaces);
        loop.execute(() -> {
            policy = copy;
            reconcile();
        });
    }

    /** Waits until the pod source delivered its first picture and it was applied. */
    public boolean awaitFirstSync(Duration timeout) throws InterruptedException {
        return firstSync.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Datapath datapath() {
        return datapath;
    }

    /**
     * A link to mesh-control's agent endpoint (through {@code channels}) that feeds this agent the
     * control plane's policy and reports this node's stats; call {@link ControlPlaneLink#start()}.
     */
    public ControlPlaneLink linkTo(AgentChannels channels, String cluster, Duration reportEvery) {
        DatapathConfig config = datapath.config();
        NodeStatsReport report = new NodeStatsReport(config.nodeName(), cluster);
        NodeIdentity identity = NodeIdentity.newBuilder().setNode(config.nodeName()).setCluster(cluster)
                .setAgentVersion(AGENT_VERSION).build();
        return new ControlPlaneLink(channels, identity, config.stateDir(), update -> policy(update.namespaces()),
                policyVersion -> report.build(datapath, policyVersion), reportEvery);
    }

    private void reconcile() {
        Map<String, PodRegistration> wanted = pods.pods();
        Map<String, PodRegistration> current = datapath.registeredPods();
        for (PodRegistration gone : current.values()) {
            if (!wanted.containsKey(gone.key())) {
                datapath.unregisterPod(gone.namespace(), gone.name());
            }
        }
        for (PodRegistration pod : wanted.values()) {
            if (!pod.equals(current.get(pod.key()))) {
                try {
                    datapath.registerPod(pod);
                } catch (DatapathException e) {
                    LOG.warning(e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warning("pod " + pod.key() + " could not be registered: " + e);
                }
            }
        }
        Set<String> namespaces = new TreeSet<>(pods.namespaceSwitches().keySet());
        namespaces.addAll(policy.keySet());
        wanted.values().forEach(p -> namespaces.add(p.namespace()));
        Map<String, Boolean> applied = datapath.namespaces();
        for (String namespace : namespaces) {
            boolean on = rules.accelerated(Optional.ofNullable(pods.namespaceSwitches().get(namespace)),
                    Optional.ofNullable(policy.get(namespace)));
            if (!Boolean.valueOf(on).equals(applied.get(namespace))) {
                datapath.setNamespaceAcceleration(namespace, on);
                LOG.info("namespace " + namespace + " acceleration " + (on ? "enabled" : "disabled"));
            }
        }
    }

    /** Stops following; the datapath keeps its pins and keeps accelerating. */
    @Override
    public void close() {
        source.close();
        loop.shutdown();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
