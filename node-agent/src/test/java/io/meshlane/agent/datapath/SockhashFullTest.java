package io.meshlane.agent.datapath;

import io.meshlane.agent.testnode.TestNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full socket map: connections still work, just through the stack, and the misses are counted. */
class SockhashFullTest {

    private static final long BYTES = 1L << 20;

    @Test
    void connectionsBeyondTheSockhashCapacityPassThroughAndAreCounted() {
        // room for one hop's two sockets: the other hops of the first connection, and every later one, find it full
        try (TestNode node = new TestNode(); Datapath datapath = Datapath.open(node.config().withSockhashEntries(2))) {
            MeshTraffic mesh = new MeshTraffic(node);
            mesh.register(datapath);
            mesh.startWorkloads();
            MeshTraffic.assertIntact(mesh.stream(MeshTraffic.SERVICE, 80, BYTES, 65536, 0, null), BYTES, MeshTraffic.WAIT);
            MeshTraffic.assertIntact(mesh.stream(MeshTraffic.SERVICE, 80, BYTES, 65536, 0, null), BYTES, MeshTraffic.WAIT);
            CounterSnapshot c = datapath.counters();
            assertEquals(2, c.get(Counter.CONNECT_REDIRECTED_OUTBOUND), c::toString);
            assertEquals(4, c.get(Counter.ORIG_DST_ANSWERED), "redirection works without the sockhash: " + c);
            // 2 connections x 3 hops x 2 sockets; closed sockets leave the map, so the first one frees room
            assertEquals(12, c.get(Counter.SOCKETS_INSERTED) + c.get(Counter.SOCKHASH_FULL), c::toString);
            assertTrue(c.get(Counter.SOCKHASH_FULL) >= 8, "sockets that found the map full are counted: " + c);
        }
    }
}
