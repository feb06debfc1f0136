package io.meshlane.agent.datapath;

import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import io.meshlane.agent.testnode.apps.EchoServer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Istio's traffic.sidecar.istio.io exclusions as the datapath applies them, and a process in
 * a container cgroup below the pod's (the Kubernetes layout) being recognised as the pod's.
 */
class ExclusionTest {

    private static final long BYTES = 256 * 1024;

    @Test
    void excludedPortsAndRangesBypassTheSidecarAndContainerCgroupsBelongToTheirPod() throws Exception {
        try (TestNode node = new TestNode(); Datapath datapath = Datapath.open(node.config())) {
            MeshTraffic mesh = new MeshTraffic(node);
            PodRegistration a = mesh.registrationA();
            PodRegistration b = mesh.registrationB();
            datapath.registerPod(new PodRegistration(a.namespace(), a.name(), a.cgroup(), a.ips(), true, 1337, 15001, 15006,
                    Set.of(9090), List.of(), List.of(), Set.of()));
            datapath.registerPod(new PodRegistration(b.namespace(), b.name(), b.cgroup(), b.ips(), true, 1337, 15001, 15006,
                    Set.of(), List.of(), List.of(), Set.of(7070)));
            datapath.setNamespaceAcceleration(MeshTraffic.NAMESPACE, true);
            mesh.startWorkloads();
            node.start("echo-9090", mesh.podB, MeshTraffic.APP_UID, EchoServer.class, "9090").awaitPrefix("LISTENING", MeshTraffic.WAIT);
            node.start("echo-7070", mesh.podB, MeshTraffic.APP_UID, EchoServer.class, "7070").awaitPrefix("LISTENING", MeshTraffic.WAIT);

            // excluded outbound port: straight to the server
            CounterSnapshot before = datapath.counters();
            MeshTraffic.assertIntact(mesh.stream(MeshTraffic.POD_B_IP, 9090, BYTES, 16384, 0, null), BYTES, MeshTraffic.WAIT);
            CounterSnapshot d = datapath.counters().minus(before);
            assertEquals(1, d.get(Counter.PASS_EXCLUDED_PORT), d::toString);
            assertEquals(0, d.get(Counter.CONNECT_REDIRECTED_OUTBOUND), d::toString);

            // B's excluded inbound port: A's sidecar still gets the app's connection, but reaches B's app directly
            before = datapath.counters();
            MeshTraffic.assertIntact(mesh.stream(MeshTraffic.POD_B_IP, 7070, BYTES, 16384, 0, null), BYTES, MeshTraffic.WAIT);
            d = datapath.counters().minus(before);
            assertEquals(1, d.get(Counter.CONNECT_REDIRECTED_OUTBOUND), d::toString);
            assertEquals(0, d.get(Counter.CONNECT_REDIRECTED_INBOUND), d::toString);
            assertEquals(1, d.get(Counter.PASS_EXCLUDED_PORT), d::toString);

            // only 10.96.0.0/12 is included: pod addresses bypass the sidecar, the service range does not
            datapath.registerPod(new PodRegistration(a.namespace(), a.name(), a.cgroup(), a.ips(), true, 1337, 15001, 15006,
                    Set.of(), List.of(), List.of(Cidr.parse("10.96.0.0/12")), Set.of()));
            before = datapath.counters();
            MeshTraffic.assertIntact(mesh.stream(MeshTraffic.POD_B_IP, 8080, BYTES, 16384, 0, null), BYTES, MeshTraffic.WAIT);
            d = datapath.counters().minus(before);
            assertEquals(1, d.get(Counter.PASS_EXCLUDED_CIDR), d::toString);
            assertEquals(0, d.get(Counter.CONNECT_REDIRECTED_OUTBOUND), d::toString);
            before = datapath.counters();
            MeshTraffic.assertIntact(mesh.stream(MeshTraffic.SERVICE, 80, BYTES, 16384, 0, null), BYTES, MeshTraffic.WAIT);
            assertEquals(1, datapath.counters().minus(before).get(Counter.CONNECT_REDIRECTED_OUTBOUND));

            // a container cgroup below the pod's, as kubelet lays them out
            Path container = Files.createDirectory(mesh.podA.resolve("cri-containerd-app.scope"));
            before = datapath.counters();
            PodProcess inContainer = node.start("container-client", container, MeshTraffic.APP_UID,
                    io.meshlane.agent.testnode.apps.StreamClient.class, MeshTraffic.SERVICE, "80", Long.toString(BYTES), "16384", "0", "");
            MeshTraffic.assertIntact(inContainer, BYTES, MeshTraffic.WAIT);
            assertEquals(1, datapath.counters().minus(before).get(Counter.CONNECT_REDIRECTED_OUTBOUND),
                    "a process in a container cgroup is redirected as its pod's");
        }
    }
}
