package io.meshlane.agent.datapath;

import io.meshlane.agent.cli.AgentMain;
import io.meshlane.agent.pods.PodFile;
import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kill -9 of the agent process in the middle of a stream, then a restart that adopts the pins. */
class AgentRestartTest {

    private static final long STREAM = 24L << 20;

    @Test
    void aKilledAgentLeavesTrafficAloneAndItsSuccessorAdoptsTheSamePrograms() throws Exception {
        try (TestNode node = new TestNode()) {
            MeshTraffic mesh = new MeshTraffic(node);
            Path podFile = Files.createTempFile("meshlane-pods-", ".json");
            new PodFile(Map.of(MeshTraffic.NAMESPACE, true),
                    List.of(PodRecord.of(mesh.registrationA()), PodRecord.of(mesh.registrationB()))).write(podFile);
            Process agent = startAgent(node, podFile);
            try {
                String firstReady = awaitReady(agent);
                mesh.startWorkloads();
                PodProcess stream = mesh.stream(MeshTraffic.SERVICE, 80, STREAM, 32 * 1024, 2, null);
                stream.awaitPrefix("CONNECTED", MeshTraffic.WAIT);
                CounterSnapshot beforeKill;
                try (Datapath view = Datapath.adopt(node.config())) {
                    Thread.sleep(300);
                    beforeKill = view.counters();
                }
                assertTrue(beforeKill.get(Counter.MSG_REDIRECTED) > 0, beforeKill::toString);

                agent.destroyForcibly().waitFor();
                assertTrue(stream.isAlive(), "the stream must outlive the agent");
                agent = startAgent(node, podFile);
                String secondReady = awaitReady(agent);
                assertEquals(programs(firstReady), programs(secondReady), "the restarted agent adopts the same program ids");

                MeshTraffic.assertIntact(stream, STREAM, java.time.Duration.ofSeconds(90));
                try (Datapath view = Datapath.adopt(node.config())) {
                    CounterSnapshot after = view.counters().minus(beforeKill);
                    assertTrue(after.get(Counter.MSG_REDIRECTED) > 0, "counters keep counting: " + after);
                    PodProcess fresh = mesh.stream(MeshTraffic.SERVICE, 80, 1 << 20, 64 * 1024, 0, null);
                    MeshTraffic.assertIntact(fresh, 1 << 20, MeshTraffic.WAIT);
                    assertEquals(1, view.counters().minus(beforeKill).get(Counter.CONNECT_REDIRECTED_OUTBOUND),
                            "a connection made after the restart is redirected");
                }
            } finally {
                agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                Files.deleteIfExists(podFile);
            }
        }
    }

    private static Process startAgent(TestNode node, Path podFile) throws Exception {
        List<String> command = new ArrayList<>(io.meshlane.agent.testnode.PodProcess.javaCommand(AgentMain.class));
        command.addAll(List.of("run", "--node", node.nodeName(), "--cgroup-root", node.cgroupRoot().toString(),
                "--state-dir", node.config().stateDir().toString(), "--pods", podFile.toString(), "--metrics-port", "0"));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String awaitReady(Process agent) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream()));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("READY")) {
                        Thread.ofPlatform().daemon().start(() -> drain(out));
                        return line;
                    }
                    seen.append(line).append('\n');
                }
            } catch (java.io.IOException e) {
                seen.append(e);
            }
            throw new AssertionError("agent exited before READY: " + seen);
        });
        String line = ready.get(30, TimeUnit.SECONDS);
        assertTrue(line.contains("mode=ACCELERATING"), line);
        return line;
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // keep the pipe from filling
            }
        } catch (java.io.IOException ignored) {
            // agent gone
        }
    }

    private static String programs(String readyLine) {
        int start = readyLine.indexOf("programs=");
        return readyLine.substring(start, readyLine.indexOf('}', start) + 1);
    }
}
