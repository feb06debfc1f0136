package io.meshlane.agent.pods;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.meshlane.agent.datapath.Cidr;
import io.meshlane.agent.datapath.PodRegistration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes pod source against fabric8's mock API server in CRUD mode (no Kubernetes
 * runs on this machine; the mock serves the same list/watch the informers use). The mock does
 * not implement the {@code spec.nodeName} field selector, so these tests filter on the client
 * only, which the source does in every mode.
 */
class KubernetesPodSourceTest {

    /** CRUD mode: the mock stores what clients write and serves list and watch from it. */
    private final KubernetesMockServer server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(),
            new io.fabric8.mockwebserver.MockWebServer(), new java.util.HashMap<>(),
            new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(), true);
    private KubernetesClient client;
    @TempDir
    Path cgroup2;

    @BeforeEach
    void startServer() {
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.destroy();
    }

    @Test
    void podsOnThisNodeBecomeRegistrationsWithTheirCgroupsAddressesAndIstioSettings() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop")
                .addToLabels("meshlane.io/acceleration", "disabled").endMetadata().build()).createOr(NonDeletingOperation::update);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("web")
                .addToLabels("meshlane.io/acceleration", "sometimes").endMetadata().build()).createOr(NonDeletingOperation::update);
        // existing before the agent starts: systemd driver, Burstable
        String cartUid = create(pod("shop", "cart", "node-1", "Burstable", "10.244.1.5", true, Map.of(
                "traffic.sidecar.istio.io/excludeOutboundPorts", "3306, 6379,notaport",
                "traffic.sidecar.istio.io/excludeOutboundIPRanges", "169.254.169.254/32,10.0.0.0/33",
                "traffic.sidecar.istio.io/excludeInboundPorts", "9090")));
        Path burstable = Files.createDirectories(cgroup2.resolve("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                + cartUid.replace('-', '_') + ".slice"));
        String elsewhereUid = create(pod("shop", "elsewhere", "node-2", "Burstable", "10.244.2.5", true, Map.of()));
        Files.createDirectories(cgroup2.resolve("kubepods/burstable/pod" + elsewhereUid));

        try (KubernetesPodSource source = new KubernetesPodSource(client, "node-1", new CgroupLayout(cgroup2), false)) {
            AtomicReference<NodePods> latest = new AtomicReference<>();
            source.start(latest::set);
            NodePods first = await(latest, p -> p.pods().containsKey("shop/cart"));
            PodRegistration cart = first.pods().get("shop/cart");
            assertEquals(burstable, cart.cgroup());
            assertEquals(List.of(java.net.InetAddress.getByName("10.244.1.5")), cart.ips());
            assertTrue(cart.sidecar());
            assertEquals(1337, cart.sidecarUid());
            assertEquals(Set.of(3306, 6379), cart.excludedPorts(), "the malformed port is left out");
            assertEquals(List.of(Cidr.parse("169.254.169.254/32")), cart.excludedCidrs(), "the malformed range is left out");
            assertEquals(Set.of(9090), cart.excludedInboundPorts());
            assertFalse(first.pods().containsKey("shop/elsewhere"), "pods of other nodes are not this agent's");
            assertEquals(Map.of("shop", false), first.namespaceSwitches(), "an unrecognised label value is ignored");

            // created after the agent started: cgroupfs driver, Guaranteed, sidecar only by injection status,
            // its cgroup appears a moment after the pod object, as with kubelet
            String frontUid = create(pod("web", "front", "node-1", "Guaranteed", "10.244.1.6", false,
                    Map.of("sidecar.istio.io/status", "{}", "traffic.sidecar.istio.io/includeOutboundIPRanges", "10.96.0.0/12")));
            Thread.sleep(300);
            Path guaranteed = Files.createDirectories(cgroup2.resolve("kubepods/pod" + frontUid));
            NodePods later = await(latest, p -> p.pods().containsKey("web/front"));
            PodRegistration front = later.pods().get("web/front");
            assertEquals(guaranteed, front.cgroup());
            assertTrue(front.sidecar());
            assertEquals(List.of(Cidr.parse("10.96.0.0/12")), front.includedCidrs());

            // a pod without a sidecar is registered as such (the datapath leaves it alone)
            String batchUid = create(pod("web", "batch", "node-1", "BestEffort", "10.244.1.7", false, Map.of()));
            Files.createDirectories(cgroup2.resolve("kubepods/besteffort/pod" + batchUid));
            assertFalse(await(latest, p -> p.pods().containsKey("web/batch")).pods().get("web/batch").sidecar());

            client.pods().inNamespace("shop").withName("cart").delete();
            await(latest, p -> !p.pods().containsKey("shop/cart"));
            client.namespaces().withName("shop").edit(ns -> {
                ns.getMetadata().getLabels().put("meshlane.io/acceleration", "enabled");
                return ns;
            });
            assertEquals(true, await(latest, p -> Boolean.TRUE.equals(p.namespaceSwitches().get("shop")))
                    .namespaceSwitches().get("shop"));
        }
    }

    /** Creates the pod, sets its status as kubelet does (the API ignores status on create), returns its uid. */
    private String create(Pod pod) {
        // createOr(update): a client retry on a loaded machine must not fail with 409
        var created = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod)
                .createOr(NonDeletingOperation::update);
        created.setStatus(pod.getStatus());
        client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(created).updateStatus();
        return created.getMetadata().getUid();
    }

    static Pod pod(String namespace, String name, String node, String qos, String ip, boolean proxyContainer,
                   Map<String, String> annotations) {
        PodBuilder builder = new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withAnnotations(annotations).endMetadata()
                .withNewSpec().withNodeName(node).addToContainers(new ContainerBuilder().withName("app").withImage("app").build())
                .endSpec()
                .withNewStatus().withPhase("Running").withQosClass(qos).withPodIP(ip).addNewPodIP(ip).endStatus();
        if (proxyContainer) {
            builder.editSpec().addToContainers(new ContainerBuilder().withName("istio-proxy").withImage("proxyv2").build()).endSpec();
        }
        return builder.build();
    }

    static NodePods await(AtomicReference<NodePods> latest, Predicate<NodePods> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            NodePods now = latest.get();
            if (now != null && condition.test(now)) {
                return now;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the pod source never reached the expected state; last: " + latest.get());
    }
}
