package io.meshlane.agent.datapath;

import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import io.meshlane.agent.testnode.apps.EchoServer;
import io.meshlane.agent.testnode.apps.OrigDstRelay;
import io.meshlane.agent.testnode.apps.StreamClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** connect6 and IP6T_SO_ORIGINAL_DST: the same two sidecar hops over IPv6 pod addresses. */
class Ipv6RedirectTest {

    private static final long BYTES = 4L << 20;

    @Test
    void ipv6TrafficIsRedirectedThroughBothSidecarsAndShortCircuited() {
        try (TestNode node = new TestNode(); Datapath datapath = Datapath.open(node.config())) {
            Path podA = node.pod("pod-a6", "fd00:244::2");
            Path podB = node.pod("pod-b6", "fd00:244::3");
            datapath.registerPod(PodRegistration.withIstioSidecar("v6", "a", podA, List.of(MeshTraffic.ip("fd00:244::2"))));
            datapath.registerPod(PodRegistration.withIstioSidecar("v6", "b", podB, List.of(MeshTraffic.ip("fd00:244::3"))));
            datapath.setNamespaceAcceleration("v6", true);
            node.start("echo", podB, 1000, EchoServer.class, "8080").awaitPrefix("LISTENING", MeshTraffic.WAIT);
            PodProcess sidecarB = node.start("sidecar-b", podB, 1337, OrigDstRelay.class, "--listen", "[fd00:244::3]:15006");
            PodProcess sidecarA = node.start("sidecar-a", podA, 1337, OrigDstRelay.class, "--listen", "[::1]:15001");
            sidecarB.awaitPrefix("LISTENING", MeshTraffic.WAIT);
            sidecarA.awaitPrefix("LISTENING", MeshTraffic.WAIT);

            PodProcess client = node.start("client", podA, 1000, StreamClient.class, "fd00:244::3", "8080",
                    Long.toString(BYTES), "65536", "0", "");
            MeshTraffic.assertIntact(client, BYTES, MeshTraffic.WAIT);
            sidecarA.awaitLine(l -> l.equals("ORIGDST listen=15001 orig=[fd00:244:0:0:0:0:0:3]:8080 upstream=[fd00:244:0:0:0:0:0:3]:8080"),
                    MeshTraffic.WAIT);
            sidecarB.awaitLine(l -> l.equals("ORIGDST listen=15006 orig=[fd00:244:0:0:0:0:0:3]:8080 upstream=[fd00:244:0:0:0:0:0:3]:8080"),
                    MeshTraffic.WAIT);
            CounterSnapshot c = datapath.counters();
            assertEquals(1, c.get(Counter.CONNECT_REDIRECTED_OUTBOUND), c::toString);
            assertEquals(1, c.get(Counter.CONNECT_REDIRECTED_INBOUND), c::toString);
            assertEquals(2, c.get(Counter.ORIG_DST_ANSWERED), c::toString);
            assertEquals(6, c.get(Counter.SOCKETS_INSERTED), c::toString);
            assertTrue(c.get(Counter.BYTES_REDIRECTED) >= 2 * 3 * BYTES * 9 / 10, c::toString);
        }
    }
}
