package io.meshlane.agent.datapath;

import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outbound and inbound redirection on the real kernel, with 16 MiB each way. */
class RedirectTest {

    private static final long SIXTEEN_MIB = 16L << 20;

    @Test
    void appTrafficGoesThroughBothSidecarsAndTheSocketHopsAreShortCircuited() {
        try (TestNode node = new TestNode(); Datapath datapath = Datapath.open(node.config())) {
            assertEquals(Datapath.Mode.ACCELERATING, datapath.mode(), datapath.passThroughReason());
            MeshTraffic mesh = new MeshTraffic(node);
            mesh.register(datapath);
            mesh.startWorkloads();
            CounterSnapshot before = datapath.counters();

            PodProcess client = mesh.stream(MeshTraffic.SERVICE, 80, SIXTEEN_MIB, 64 * 1024, 0, null);
            try {
                MeshTraffic.assertIntact(client, SIXTEEN_MIB, Duration.ofSeconds(60));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\ncounters: " + datapath.counters().minus(before)
                        + "\nsidecar A: " + mesh.sidecarA.lines() + "\nsidecar B: " + mesh.sidecarB.lines(), e);
            }

            // outbound: the app's connect() landed on its sidecar, which learned the service address
            mesh.sidecarA.awaitLine(l -> l.equals("ORIGDST listen=15001 orig=10.96.0.10:80 upstream=10.244.0.3:8080"),
                    MeshTraffic.WAIT);
            // inbound: sidecar A's connection to pod B landed on B's sidecar at 15006
            mesh.sidecarB.awaitLine(l -> l.equals("ORIGDST listen=15006 orig=10.244.0.3:8080 upstream=10.244.0.3:8080"),
                    MeshTraffic.WAIT);

            CounterSnapshot delta = datapath.counters().minus(before);
            assertEquals(1, delta.get(Counter.CONNECT_REDIRECTED_OUTBOUND), delta::toString);
            assertEquals(1, delta.get(Counter.CONNECT_REDIRECTED_INBOUND), delta::toString);
            assertEquals(2, delta.get(Counter.ORIG_DST_ANSWERED), delta::toString);
            // three TCP hops (app-sidecarA, sidecarA-sidecarB, sidecarB-app), both sockets of each
            assertEquals(6, delta.get(Counter.SOCKETS_INSERTED), delta::toString);
            assertTrue(delta.get(Counter.MSG_REDIRECTED) > 0, delta::toString);
            // every byte crosses three hops each way through sk_msg
            assertTrue(delta.get(Counter.BYTES_REDIRECTED) >= 2 * 3 * SIXTEEN_MIB * 9 / 10,
                    () -> "bytes redirected " + delta.get(Counter.BYTES_REDIRECTED));
            assertEquals(0, delta.get(Counter.SOCKHASH_FULL), delta::toString);
            assertEquals(3, delta.get(Counter.CONNECTIONS_ACCELERATED), "3 hops: app-sidecarA, sidecarA-sidecarB, sidecarB-app");

            // per pod: A's app redirected outbound, A's sidecar redirected inbound; B only accelerated its own hop
            CounterSnapshot podA = datapath.podCounters().get("shop/pod-a");
            CounterSnapshot podB = datapath.podCounters().get("shop/pod-b");
            assertEquals(1, podA.get(Counter.CONNECT_REDIRECTED_OUTBOUND), podA::toString);
            assertEquals(1, podA.get(Counter.CONNECT_REDIRECTED_INBOUND), podA::toString);
            assertEquals(0, podB.get(Counter.CONNECT_REDIRECTED_OUTBOUND), podB::toString);
            assertEquals(2, podA.get(Counter.CONNECTIONS_ACCELERATED), podA::toString);
            assertEquals(1, podB.get(Counter.CONNECTIONS_ACCELERATED), podB::toString);
            assertEquals(delta.get(Counter.BYTES_REDIRECTED), podA.get(Counter.BYTES_REDIRECTED) + podB.get(Counter.BYTES_REDIRECTED),
                    "every redirected byte is attributed to a pod");
        }
    }
}
