package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.AttachType;
import io.meshlane.agent.bpf.BpfMap;
import io.meshlane.agent.bpf.BpfObject;
import io.meshlane.agent.bpf.Cgroup;
import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import io.meshlane.agent.testnode.apps.SockoptProbe;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Another tool's sock_ops and getsockopt programs, attached to the same cgroup first, keep
 * running beside meshlane's, and getsockopt calls with large buffers keep their full length.
 */
class CoexistenceTest {

    @Test
    void foreignProgramsKeepRunningAndLargeGetsockoptsAreNotClamped() throws Throwable {
        try (TestNode node = new TestNode();
             BpfObject foreign = BpfObject.open("foreign.bpf.o", resource("/bpf/foreign.bpf.o")).load();
             Cgroup root = Cgroup.open(node.cgroupRoot())) {
            foreign.program("foreign_sockops").attachLegacy(root, AttachType.CGROUP_SOCK_OPS);
            foreign.program("foreign_getsockopt").attachLegacy(root, AttachType.CGROUP_GETSOCKOPT);
            BpfMap calls = foreign.map("foreign_calls");

            try (Datapath datapath = Datapath.open(node.config())) {
                MeshTraffic mesh = new MeshTraffic(node);
                mesh.register(datapath);
                mesh.startWorkloads();
                long sockopsBefore = read(calls, 0);
                long getsockoptBefore = read(calls, 1);

                PodProcess client = mesh.stream(MeshTraffic.SERVICE, 80, 2 << 20, 64 * 1024, 0, null);
                MeshTraffic.assertIntact(client, 2 << 20, MeshTraffic.WAIT);
                assertEquals(2, datapath.counters().get(Counter.ORIG_DST_ANSWERED), "meshlane still answers SO_ORIGINAL_DST");
                assertTrue(read(calls, 0) > sockopsBefore, "the foreign sock_ops program still runs");
                assertTrue(read(calls, 1) > getsockoptBefore, "the foreign getsockopt program still runs");

                // TCP_INFO into an 8 KiB buffer: the same length as with no program attached
                int expected = SockoptProbe.tcpInfoLength(8192);
                PodProcess probe = node.start("sockopt-probe", mesh.podA, 0, SockoptProbe.class, "8192");
                String line = probe.awaitPrefix("TCP_INFO", Duration.ofSeconds(30));
                assertEquals("TCP_INFO rc=0 optlen=" + expected, line);
                assertTrue(expected > 100, "tcp_info is a few hundred bytes, got " + expected);
            }
        }
    }

    private static long read(BpfMap map, int slot) {
        byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(slot).array();
        byte[] value = map.lookup(key, 8).orElseThrow();
        return ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getLong();
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = CoexistenceTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name + " must come from the bpf-programs test-jar");
            return in.readAllBytes();
        }
    }
}
