package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.BpfInventory;
import io.meshlane.agent.cli.AgentMain;
import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `meshlane agent uninstall` leaves no program, map, link, pin or state behind. */
class UninstallTest {

    @Test
    void uninstallRemovesEveryProgramMapLinkAndPin() throws Exception {
        try (TestNode node = new TestNode()) {
            Set<Integer> programIds;
            Set<Integer> mapIds;
            try (Datapath datapath = Datapath.open(node.config())) {
                MeshTraffic mesh = new MeshTraffic(node);
                mesh.register(datapath);
                programIds = new HashSet<>(datapath.programIds().values());
                mapIds = new HashSet<>(datapath.mapIds().values());
            }
            assertEquals(4, programIds.size());
            assertEquals(MapName.values().length, mapIds.size());
            assertTrue(liveProgramIds().containsAll(programIds), "programs are loaded after close(): the agent left them running");
            assertTrue(Files.exists(node.config().stateDir().resolve("state.json")));

            List<String> command = new ArrayList<>(PodProcess.javaCommand(AgentMain.class));
            command.addAll(List.of("uninstall", "--node", node.nodeName(), "--cgroup-root", node.cgroupRoot().toString(),
                    "--state-dir", node.config().stateDir().toString()));
            Process uninstall = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(uninstall.getInputStream().readAllBytes());
            assertEquals(0, uninstall.waitFor(), out);

            assertFalse(Files.exists(node.config().pinDir()), "pin directory removed");
            assertFalse(Files.exists(node.config().stateDir()), "state directory removed");
            // the kernel frees programs and maps after an RCU grace period
            long deadline = System.currentTimeMillis() + 5000;
            while (System.currentTimeMillis() < deadline && (overlaps(liveProgramIds(), programIds)
                    || overlaps(liveMapIds(), mapIds) || overlaps(linkedProgramIds(), programIds))) {
                Thread.sleep(50);
            }
            assertFalse(overlaps(liveProgramIds(), programIds), "programs left: " + programIds);
            assertFalse(overlaps(liveMapIds(), mapIds), "maps left: " + mapIds);
            assertFalse(overlaps(linkedProgramIds(), programIds), "links left");
            assertTrue(BpfInventory.maps().stream().noneMatch(m -> mapIds.contains(m.id())));
        }
    }

    private static Set<Integer> liveProgramIds() {
        return BpfInventory.programs().stream().map(BpfInventory.Program::id).collect(Collectors.toSet());
    }

    private static Set<Integer> liveMapIds() {
        return BpfInventory.maps().stream().map(BpfInventory.Map::id).collect(Collectors.toSet());
    }

    private static Set<Integer> linkedProgramIds() {
        return BpfInventory.links().stream().map(BpfInventory.Link::programId).collect(Collectors.toSet());
    }

    private static boolean overlaps(Collection<Integer> a, Collection<Integer> b) {
        return a.stream().anyMatch(b::contains);
    }
}
