package io.meshlane.agent.service;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.meshlane.agent.controlplane.ControlPlaneLink;
import io.meshlane.agent.datapath.Counter;
import io.meshlane.agent.datapath.CounterSnapshot;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.pods.CgroupLayout;
import io.meshlane.agent.pods.KubernetesPodSource;
import io.meshlane.agent.policy.AccelerationRules;
import io.meshlane.agent.stats.MetricsServer;
import io.meshlane.agent.testnode.Await;
import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.Streams;
import io.meshlane.agent.testnode.TestNode;
import io.meshlane.agent.testnode.apps.EchoServer;
import io.meshlane.agent.testnode.apps.OrigDstRelay;
import io.meshlane.agent.testnode.apps.StreamClient;
import io.meshlane.api.agent.v1.Acceleration;
import io.meshlane.api.agent.v1.NamespacePolicy;
import io.meshlane.api.agent.v1.NodePolicy;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent as a node service on the real kernel: pods from the Kubernetes API (fabric8's
 * CRUD mock server: no cluster runs here), namespace switches from labels and from the
 * control plane, stats to the control plane, /metrics.
 */
class NodeServiceTest {

    private static final String NS = "shop";
    private static final long BYTES = 512 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void followsPodsLabelsAndPoliciesAndSurvivesAControlPlaneOutage() throws Exception {
        KubernetesMockServer kube = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), true);
        kube.init();
        try (TestNode node = new TestNode(); KubernetesClient client = kube.createClient();
             FakeControlPlane control = new FakeControlPlane(0)) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                    .createOr(NonDeletingOperation::update);
            // the pods exist before the agent starts
            String uidA = createPod(client, node.nodeName(), "client", "10.244.3.2");
            String uidB = createPod(client, node.nodeName(), "server", "10.244.3.3");
            Path podA = node.podAt("kubepods/burstable/pod" + uidA, "10.244.3.2");
            Path podB = node.podAt("kubepods/burstable/pod" + uidB, "10.244.3.3");

            try (Datapath datapath = Datapath.open(node.config());
                 NodeAgent agent = new NodeAgent(datapath, new KubernetesPodSource(client, node.nodeName(),
                         new CgroupLayout(node.cgroupRoot()), false), new AccelerationRules(true));
                 MetricsServer metrics = MetricsServer.start("127.0.0.1", 0, datapath)) {
                long t0 = System.nanoTime();
                agent.start();
                ControlPlaneLink link = agent.linkTo(new io.meshlane.agent.controlplane.PlaintextChannels(control.target()), "test", Duration.ofMillis(300));
                link.start();
                assertTrue(agent.awaitFirstSync(WAIT));
                Await.until(() -> datapath.registeredPods().size() == 2 && Boolean.TRUE.equals(datapath.namespaces().get(NS)), WAIT);
                System.out.println("agent start to first pods accelerated: " + (System.nanoTime() - t0) / 1_000_000 + " ms");

                node.start("echo", podB, 1000, EchoServer.class, "8080").awaitPrefix("LISTENING", WAIT);
                node.start("sidecar-b", podB, 1337, OrigDstRelay.class, "--listen", "10.244.3.3:15006").awaitPrefix("LISTENING", WAIT);
                node.start("sidecar-a", podA, 1337, OrigDstRelay.class, "--listen", "127.0.0.1:15001").awaitPrefix("LISTENING", WAIT);
                Path container = java.nio.file.Files.createDirectory(podA.resolve("cri-containerd-app.scope"));

                // accelerated from the start; a long stream stays open through every switch below
                Path pause = java.nio.file.Files.createTempFile("meshlane-pause-", "");
                java.nio.file.Files.delete(pause);
                PodProcess longLived = node.start("long", container, 1000, StreamClient.class, "10.244.3.3", "8080",
                        Long.toString(4L << 20), "16384", "3", pause.toString());
                longLived.awaitPrefix("CONNECTED", WAIT);
                assertEquals(1, datapath.counters().get(Counter.CONNECT_REDIRECTED_OUTBOUND));

                // the namespace label switches B off within a second
                long labelled = System.nanoTime();
                client.namespaces().withName(NS).edit(ns -> {
                    ns.getMetadata().getLabels().put("meshlane.io/acceleration", "disabled");
                    return ns;
                });
                Await.until(() -> Boolean.FALSE.equals(datapath.namespaces().get(NS)), Duration.ofSeconds(1));
                System.out.println("label change to datapath: " + (System.nanoTime() - labelled) / 1_000_000 + " ms");
                assertNotRedirected(node, container, datapath);

                // label removed: the control plane's AccelerationPolicy now decides; Disabled keeps it off
                control.push(policy("v1", Acceleration.DISABLED));
                client.namespaces().withName(NS).edit(ns -> {
                    ns.getMetadata().getLabels().remove("meshlane.io/acceleration");
                    return ns;
                });
                Await.until(() -> "v1".equals(link.policyVersion()), WAIT);
                Thread.sleep(300);
                assertEquals(false, datapath.namespaces().get(NS));

                long pushed = System.nanoTime();
                control.push(policy("v2", Acceleration.ENABLED));
                Await.until(() -> Boolean.TRUE.equals(datapath.namespaces().get(NS)), Duration.ofSeconds(1));
                System.out.println("policy push to datapath: " + (System.nanoTime() - pushed) / 1_000_000 + " ms");

                // garbage from the control plane is rejected; the last good policy stays
                control.push(NodePolicy.newBuilder().setVersion("bad").addNamespaces(NamespacePolicy.newBuilder()
                        .setNamespace("Not_A_Namespace!").setAcceleration(Acceleration.DISABLED)).build());
                control.push(NodePolicy.newBuilder().setVersion("bad2").addNamespaces(NamespacePolicy.newBuilder()
                        .setNamespace(NS).setAccelerationValue(7)).build());
                Await.until(() -> link.rejectedPolicies() == 2, WAIT);
                assertEquals("v2", link.policyVersion());
                assertEquals(true, datapath.namespaces().get(NS));

                // stats reach the control plane, per namespace and per pod
                Await.until(() -> control.reports().stream().anyMatch(r -> r.getPodsCount() == 2), WAIT);
                var report = control.reports().getLast();
                assertEquals("ACCELERATING", report.getMode());
                assertTrue(report.getTotals().getValuesOrThrow("connect_redirected_outbound") >= 1);
                assertEquals(NS, report.getNamespaces(0).getNamespace());

                // the control plane goes away: nothing changes in the datapath, new connections still accelerate
                control.close();
                Map<String, Boolean> before = datapath.namespaces();
                CounterSnapshot counters = datapath.counters();
                Streams.assertIntact(node.start("while-down", container, 1000, StreamClient.class, "10.244.3.3",
                        "8080", Long.toString(BYTES), "16384", "0", ""), BYTES, WAIT);
                assertEquals(before, datapath.namespaces());
                assertEquals(1, datapath.counters().minus(counters).get(Counter.CONNECT_REDIRECTED_OUTBOUND));
                long failed = link.reportsFailed();
                Await.until(() -> link.reportsFailed() > failed, WAIT);

                // it comes back on the same port: the link reconnects and reports resume
                try (FakeControlPlane again = new FakeControlPlane(control.port())) {
                    again.push(policy("v3", Acceleration.ENABLED));
                    Await.until(() -> "v3".equals(link.policyVersion()) && !again.reports().isEmpty(), WAIT);
                }

                // /metrics: per-pod series, gone once the pod is
                String scraped = scrape(metrics.port());
                assertTrue(scraped.contains("meshlane_connect_redirected_outbound_total{namespace=\"shop\",pod=\"client\"}"), scraped);
                assertTrue(scraped.contains("meshlane_namespace_accelerated{namespace=\"shop\"} 1"), scraped);
                client.pods().inNamespace(NS).withName("client").delete();
                Await.until(() -> datapath.registeredPods().size() == 1, WAIT);
                assertFalse(scrape(metrics.port()).contains("pod=\"client\""), "a deleted pod's series disappear");

                java.nio.file.Files.deleteIfExists(pause);
                Streams.assertIntact(longLived, 4L << 20, Duration.ofSeconds(60));
                link.close();
            }
        } finally {
            kube.destroy();
        }
    }

    private static void assertNotRedirected(TestNode node, Path container, Datapath datapath) {
        CounterSnapshot before = datapath.counters();
        Streams.assertIntact(node.start("off", container, 1000, StreamClient.class, "10.244.3.3", "8080",
                Long.toString(BYTES), "16384", "0", ""), BYTES, WAIT);
        CounterSnapshot d = datapath.counters().minus(before);
        assertEquals(0, d.get(Counter.CONNECT_REDIRECTED_OUTBOUND), d::toString);
        assertEquals(0, d.get(Counter.SOCKETS_INSERTED), d::toString);
    }


    private static NodePolicy policy(String version, Acceleration acceleration) {
        return NodePolicy.newBuilder().setVersion(version).addNamespaces(NamespacePolicy.newBuilder().setNamespace(NS)
                .setAcceleration(acceleration).setSource("AccelerationPolicy shop/default")).build();
    }

    private static String createPod(KubernetesClient client, String nodeName, String name, String ip) {
        Pod pod = new PodBuilder().withNewMetadata().withNamespace(NS).withName(name).endMetadata()
                .withNewSpec().withNodeName(nodeName)
                .addToContainers(new ContainerBuilder().withName("app").build(),
                        new ContainerBuilder().withName("istio-proxy").build()).endSpec()
                .withNewStatus().withPhase("Running").withQosClass("Burstable").withPodIP(ip).endStatus().build();
        Pod created = client.pods().inNamespace(NS).resource(pod).createOr(NonDeletingOperation::update);
        created.setStatus(pod.getStatus());
        client.pods().inNamespace(NS).resource(created).updateStatus();
        return created.getMetadata().getUid();
    }

    private static String scrape(int port) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
