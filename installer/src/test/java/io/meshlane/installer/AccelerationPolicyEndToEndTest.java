package io.meshlane.installer;

import io.meshlane.agent.controlplane.ControlPlaneLink;
import io.meshlane.agent.controlplane.NodeCertificateChannels;
import io.meshlane.control.identity.IdentityOptions;
import io.meshlane.control.identity.JoinToken;
import io.meshlane.control.identity.JoinTokens;
import io.meshlane.control.identity.NodeTrust;
import io.meshlane.agent.datapath.Counter;
import io.meshlane.agent.datapath.CounterSnapshot;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.PodRecord;
import io.meshlane.agent.datapath.PodRegistration;
import io.meshlane.agent.pods.LabPodSource;
import io.meshlane.agent.pods.PodFile;
import io.meshlane.agent.policy.AccelerationRules;
import io.meshlane.agent.service.NodeAgent;
import io.meshlane.agent.testnode.Await;
import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.Streams;
import io.meshlane.agent.testnode.TestNode;
import io.meshlane.agent.testnode.apps.EchoServer;
import io.meshlane.agent.testnode.apps.OrigDstRelay;
import io.meshlane.agent.testnode.apps.StreamClient;
import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole loop on one machine: {@code kubectl apply} of an AccelerationPolicy on mesh-control
 * switches a namespace off on the node within a second, the other namespace stays accelerated,
 * open streams stay intact, and a dead control plane changes nothing in the datapath.
 */
class AccelerationPolicyEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long BYTES = 256 * 1024;

    @TempDir
    Path data;

    private static NodeTrust trust(ControlPlane control) {
        return NodeTrust.open(control.dataDir(), control.tls(), IdentityOptions.defaults());
    }

    @Test
    void kubectlApplyOfAPolicySwitchesOneNamespaceOffWithinASecond() throws Exception {
        try (TestNode node = new TestNode()) {
            Path aClient = node.pod("a-client", "10.244.7.2");
            Path aServer = node.pod("a-server", "10.244.7.3");
            Path bClient = node.pod("b-client", "10.244.7.4");
            Path bServer = node.pod("b-server", "10.244.7.5");
            Path podFile = data.resolve("pods.json");
            // clients have sidecars; the servers run none, so sidecars reach them directly
            new PodFile(Map.of(), List.of(
                    record("team-a", "client", aClient, "10.244.7.2", true), record("team-a", "server", aServer, "10.244.7.3", false),
                    record("team-b", "client", bClient, "10.244.7.4", true), record("team-b", "server", bServer, "10.244.7.5", false)))
                    .write(podFile);

            ControlPlane control = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(data.resolve("control"))
                    .withListen("127.0.0.1", 0));
            AgentServer agents = AgentServer.start(control.store(), trust(control), "127.0.0.1", 0);
            Path token = data.resolve("join-token");
            Files.writeString(token, new JoinTokens(control.dataDir()).create("local", Duration.ofMinutes(5), JoinToken.Scope.agent));
            int agentPort = agents.port();
            try (Datapath datapath = Datapath.open(node.config());
                 NodeAgent agent = new NodeAgent(datapath, new LabPodSource(podFile, Duration.ofMillis(50)), new AccelerationRules(true));
                 ControlPlaneLink link = agent.linkTo(new NodeCertificateChannels("127.0.0.1:" + agentPort, control.caCertificate(), token,
                         node.config().stateDir(), node.config().nodeName(), "local"), "local", Duration.ofMillis(500))) {
                agent.start();
                link.start();
                Await.until(() -> datapath.registeredPods().size() == 4 && datapath.namespaces().size() == 2, WAIT);

                // the test node has one network namespace: one echo server on 0.0.0.0:8080 answers for both
                // server pods' addresses, and one relay on 127.0.0.1:15001 serves both client pods
                node.start("echo", aServer, 1000, EchoServer.class, "8080").awaitPrefix("LISTENING", WAIT);
                node.start("sidecar", aClient, 1337, OrigDstRelay.class, "--listen", "127.0.0.1:15001").awaitPrefix("LISTENING", WAIT);

                Path pause = data.resolve("pause");
                PodProcess openB = node.start("open-b", bClient, 1000, StreamClient.class, "10.244.7.5", "8080",
                        Long.toString(2L << 20), "16384", "2", pause.toString());
                openB.awaitPrefix("CONNECTED", WAIT);
                assertEquals(1, datapath.podCounters().get("team-b/client").get(Counter.CONNECT_REDIRECTED_OUTBOUND));

                Path policy = data.resolve("policy.yaml");
                Files.writeString(policy, """
                        apiVersion: meshlane.io/v1alpha1
                        kind: AccelerationPolicy
                        metadata:
                          name: switch-off
                          namespace: team-b
                        spec:
                          acceleration: Disabled
                        """);
                kubectl(control, "create", "namespace", "team-b");
                long started = System.nanoTime();
                String out = kubectl(control, "apply", "-f", policy.toString());
                long stored = System.nanoTime(); // kubectl returns once the object is stored
                assertTrue(out.contains("accelerationpolicy.meshlane.io/switch-off created"), out);
                Await.until(() -> Boolean.FALSE.equals(datapath.namespaces().get("team-b")), Duration.ofSeconds(1));
                long switched = System.nanoTime();
                System.out.println("AccelerationPolicy stored to datapath switched: " + (switched - stored) / 1_000_000
                        + " ms (kubectl apply itself took " + (stored - started) / 1_000_000 + " ms)");

                // every node's state, as kubectl shows it
                Await.until(() -> agents.latestReports().containsKey(node.nodeName()), WAIT);
                String nodes = kubectl(control, "get", "nodeaccelerations");
                assertTrue(nodes.contains(node.nodeName()) && nodes.contains("ACCELERATING") && nodes.contains("MODE"), nodes);

                CounterSnapshot b = datapath.podCounters().get("team-b/client");
                CounterSnapshot a = datapath.podCounters().get("team-a/client");
                Streams.assertIntact(node.start("new-b", bClient, 1000, StreamClient.class, "10.244.7.5", "8080",
                        Long.toString(BYTES), "16384", "0", ""), BYTES, WAIT);
                Streams.assertIntact(node.start("new-a", aClient, 1000, StreamClient.class, "10.244.7.3", "8080",
                        Long.toString(BYTES), "16384", "0", ""), BYTES, WAIT);
                assertEquals(0, datapath.podCounters().get("team-b/client").minus(b).get(Counter.CONNECT_REDIRECTED_OUTBOUND),
                        "B's new connection is not redirected");
                assertEquals(1, datapath.podCounters().get("team-b/client").minus(b).get(Counter.PASS_NS_DISABLED));
                assertEquals(1, datapath.podCounters().get("team-a/client").minus(a).get(Counter.CONNECT_REDIRECTED_OUTBOUND),
                        "A stays accelerated");

                // the control plane dies: nothing changes on the node
                agents.close();
                control.close();
                Map<String, Boolean> before = datapath.namespaces();
                a = datapath.podCounters().get("team-a/client");
                Streams.assertIntact(node.start("a-while-down", aClient, 1000, StreamClient.class, "10.244.7.3", "8080",
                        Long.toString(BYTES), "16384", "0", ""), BYTES, WAIT);
                assertEquals(1, datapath.podCounters().get("team-a/client").minus(a).get(Counter.CONNECT_REDIRECTED_OUTBOUND));
                assertEquals(before, datapath.namespaces());
                Streams.assertIntact(openB, 2L << 20, WAIT);

                // it comes back on the same data directory: the policy is still there and the stats resume
                ControlPlane again = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(data.resolve("control"))
                        .withListen("127.0.0.1", 0));
                try (AgentServer agentsAgain = AgentServer.start(again.store(), trust(again), "127.0.0.1", agentPort)) {
                    Await.until(() -> agentsAgain.latestReports().containsKey(node.nodeName()), WAIT);
                    assertEquals(false, datapath.namespaces().get("team-b"));
                } finally {
                    again.close();
                }
            }
        }
    }

    private static PodRecord record(String namespace, String name, Path cgroup, String ip, boolean sidecar) throws Exception {
        PodRegistration pod = new PodRegistration(namespace, name, cgroup, List.of(InetAddress.getByName(ip)), sidecar,
                1337, 15001, 15006, java.util.Set.of(), List.of());
        return PodRecord.of(pod);
    }


    private static String kubectl(ControlPlane control, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("kubectl", "--kubeconfig", control.kubeconfig().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }
}
