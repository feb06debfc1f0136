package io.meshlane.control.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The member-cluster feed against fabric8's Kubernetes mock server in CRUD mode, which stands in for a
 * real cluster's API server here (no cluster runs on this machine): Services, EndpointSlices, Pods and
 * Nodes created through the client reach the registry through the informers, and so do changes.
 */
@Timeout(60)
class KubernetesRegistryFeedTest {

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 15 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void servicesAndEndpointSlicesReachTheRegistry() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(),
                new io.fabric8.mockwebserver.MockWebServer(), new java.util.HashMap<>(),
                new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            ServiceRegistry registry = new ServiceRegistry();
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-1")
                    .withLabels(Map.of("topology.kubernetes.io/region", "us-east", "topology.kubernetes.io/zone", "us-east-1a"))
                    .endMetadata().build()).create();
            client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("reviews-v1-abc")
                    .withLabels(Map.of("app", "reviews", "version", "v1")).endMetadata()
                    .withNewSpec().withNodeName("node-1").endSpec().build()).create();
            client.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata().withName("reviews").endMetadata()
                    .withNewSpec().addNewPort().withName("grpc-api").withPort(9080).endPort().endSpec().build()).create();
            client.discovery().v1().endpointSlices().inNamespace("shop").resource(new EndpointSliceBuilder()
                    .withNewMetadata().withName("reviews-x1").withLabels(Map.of("kubernetes.io/service-name", "reviews")).endMetadata()
                    .withAddressType("IPv4")
                    .addNewPort().withName("grpc-api").withPort(19080).endPort()
                    .addNewEndpoint().withAddresses("10.1.0.5").withNodeName("node-1")
                    .withNewConditions().withReady(true).endConditions()
                    .withNewTargetRef().withKind("Pod").withName("reviews-v1-abc").withNamespace("shop").endTargetRef()
                    .endEndpoint().build()).create();

            try (KubernetesRegistryFeed feed = new KubernetesRegistryFeed("cluster-1", "net-1", client, registry).start()) {
                String host = "reviews.shop.svc.cluster.local";
                await(() -> registry.service(host).isPresent() && !registry.endpoints(host).isEmpty(), "reviews in the registry");
                MeshService s = registry.service(host).orElseThrow();
                assertEquals(List.of(new ServicePort("grpc-api", 9080, "GRPC")), s.ports());
                MeshEndpoint e = registry.endpoints(host).getFirst();
                assertEquals("10.1.0.5", e.address());
                assertEquals(19080, e.portFor(s.ports().getFirst()));
                assertEquals("v1", e.labels().get("version"));
                assertEquals(new Locality("us-east", "us-east-1a", ""), e.locality());
                assertEquals("cluster-1", e.cluster());
                assertEquals("net-1", e.network());
                assertTrue(e.healthy());

                // readiness flips: the registry follows
                client.discovery().v1().endpointSlices().inNamespace("shop").withName("reviews-x1").edit(es -> {
                    es.getEndpoints().getFirst().getConditions().setReady(false);
                    return es;
                });
                await(() -> !registry.endpoints(host).isEmpty() && !registry.endpoints(host).getFirst().healthy(), "unready endpoint");

                // the slice goes away, then the service
                client.discovery().v1().endpointSlices().inNamespace("shop").withName("reviews-x1").delete();
                await(() -> registry.endpoints(host).isEmpty(), "endpoints removed");
                client.services().inNamespace("shop").withName("reviews").delete();
                await(() -> registry.service(host).isEmpty(), "service removed");
                assertFalse(registry.service(host).isPresent());
            }
        } finally {
            server.destroy();
        }
    }
}
