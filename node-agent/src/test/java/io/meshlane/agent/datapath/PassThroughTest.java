package io.meshlane.agent.datapath;

import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With a required kernel feature missing the agent attaches nothing, says why, and traffic flows. */
class PassThroughTest {

    @Test
    void missingSockhashMeansPassThroughWithAReasonAndWorkingTraffic() {
        try (TestNode node = new TestNode();
             Datapath datapath = Datapath.open(node.config().withForcedMissing(Set.of(Feature.SOCKHASH)))) {
            assertEquals(Datapath.Mode.PASS_THROUGH, datapath.mode());
            assertTrue(datapath.passThroughReason().contains("sockhash"), datapath.passThroughReason());
            assertTrue(datapath.passThroughReason().contains("Linux >= 4.18"), "the reason says what to do");
            assertEquals(Datapath.Mode.PASS_THROUGH, datapath.status().mode());
            assertFalse(Files.exists(node.config().pinDir()), "nothing is loaded in pass-through mode");

            MeshTraffic mesh = new MeshTraffic(node);
            mesh.register(datapath); // accepted and remembered for when acceleration becomes possible
            assertEquals(2, datapath.registeredPods().size());
            mesh.startWorkloads();
            PodProcess client = mesh.stream(MeshTraffic.POD_B_IP, 8080, 4 << 20, 64 * 1024, 0, null);
            MeshTraffic.assertIntact(client, 4 << 20, MeshTraffic.WAIT);
            assertTrue(mesh.sidecarA.lines().stream().noneMatch(l -> l.startsWith("ORIGDST")),
                    "no redirection happens in pass-through mode");
        }
    }
}
