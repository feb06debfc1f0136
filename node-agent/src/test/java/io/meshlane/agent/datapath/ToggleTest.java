package io.meshlane.agent.datapath;

import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Switching a namespace off and on while a connection streams. */
class ToggleTest {

    private static final long STREAM = 8L << 20;
    private static final long SHORT = 1L << 20;
    private static final Duration DONE = Duration.ofSeconds(60);

    @Test
    void disablingANamespaceLeavesOpenStreamsIntactAndNewConnectionsUnredirected() throws Exception {
        try (TestNode node = new TestNode(); Datapath datapath = Datapath.open(node.config())) {
            MeshTraffic mesh = new MeshTraffic(node);
            mesh.register(datapath);
            mesh.startWorkloads();
            Path pause = Files.createTempFile("meshlane-pause-", "");
            Files.delete(pause);
            try {
                CounterSnapshot start = datapath.counters();
                PodProcess longLived = mesh.stream(MeshTraffic.POD_B_IP, 8080, STREAM, 16 * 1024, 5, pause);
                longLived.awaitPrefix("CONNECTED", MeshTraffic.WAIT);
                assertEquals(1, datapath.counters().minus(start).get(Counter.CONNECT_REDIRECTED_OUTBOUND));

                Files.createFile(pause); // the stream goes quiet so the counters below only see new connections
                Thread.sleep(300);
                datapath.setNamespaceAcceleration(MeshTraffic.NAMESPACE, false);
                CounterSnapshot off = datapath.counters();

                PodProcess direct = mesh.stream(MeshTraffic.POD_B_IP, 8080, SHORT, 64 * 1024, 0, null);
                MeshTraffic.assertIntact(direct, SHORT, DONE);
                CounterSnapshot whileOff = datapath.counters().minus(off);
                assertEquals(0, whileOff.get(Counter.CONNECT_REDIRECTED_OUTBOUND), whileOff::toString);
                assertEquals(0, whileOff.get(Counter.CONNECT_REDIRECTED_INBOUND), whileOff::toString);
                assertEquals(0, whileOff.get(Counter.SOCKETS_INSERTED), whileOff::toString);
                assertEquals(0, whileOff.get(Counter.MSG_REDIRECTED), whileOff::toString);
                assertTrue(whileOff.get(Counter.PASS_NS_DISABLED) >= 1, whileOff::toString);

                Files.delete(pause); // the old stream resumes, still short-circuited, and finishes intact
                MeshTraffic.assertIntact(longLived, STREAM, DONE);
                assertTrue(datapath.counters().minus(off).get(Counter.MSG_REDIRECTED) > 0,
                        "the connection opened while enabled keeps its socket redirection");

                datapath.setNamespaceAcceleration(MeshTraffic.NAMESPACE, true);
                CounterSnapshot on = datapath.counters();
                PodProcess again = mesh.stream(MeshTraffic.POD_B_IP, 8080, SHORT, 64 * 1024, 0, null);
                MeshTraffic.assertIntact(again, SHORT, DONE);
                CounterSnapshot whileOn = datapath.counters().minus(on);
                assertEquals(1, whileOn.get(Counter.CONNECT_REDIRECTED_OUTBOUND), whileOn::toString);
                assertEquals(1, whileOn.get(Counter.CONNECT_REDIRECTED_INBOUND), whileOn::toString);
                assertEquals(6, whileOn.get(Counter.SOCKETS_INSERTED), whileOn::toString);
            } finally {
                Files.deleteIfExists(pause);
            }
        }
    }
}
