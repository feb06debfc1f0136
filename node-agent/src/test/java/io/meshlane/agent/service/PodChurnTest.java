package io.meshlane.agent.service;

import io.meshlane.agent.bpf.BpfMap;
import io.meshlane.agent.cli.AgentMain;
import io.meshlane.agent.datapath.MapName;
import io.meshlane.agent.datapath.PodRecord;
import io.meshlane.agent.pods.PodFile;
import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pods created and deleted at 50/s while the agent process follows the lab's pod file: in
 * the end every map holds exactly the live pods. The agent's RSS is printed over time;
 * {@code -Dmeshlane.churn.seconds=60} runs the full minute for the report.
 */
class PodChurnTest {

    private static final int PER_SECOND = 50;
    private static final int LIVE = 100;

    @Test
    void churnLeavesNoStaleMapEntries() throws Exception {
        int seconds = Integer.getInteger("meshlane.churn.seconds", 8);
        try (TestNode node = new TestNode()) {
            Path podFile = Files.createTempFile("meshlane-churn-", ".json");
            Deque<PodRecord> live = new ArrayDeque<>();
            int next = 0;
            for (; next < LIVE; next++) {
                live.add(record(node, next));
            }
            write(podFile, live);
            List<String> command = new ArrayList<>(PodProcess.javaCommand(AgentMain.class));
            command.add(1, "-Xmx96m");
            command.addAll(List.of("run", "--node", node.nodeName(), "--cgroup-root", node.cgroupRoot().toString(),
                    "--state-dir", node.config().stateDir().toString(), "--pods", podFile.toString(), "--metrics-port", "0"));
            Process agent = new ProcessBuilder(command).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream()));
                String ready;
                while ((ready = out.readLine()) != null && !ready.startsWith("READY")) {
                    // log lines before READY
                }
                assertTrue(ready != null, "agent exited before READY");
                Thread.ofPlatform().daemon().start(() -> out.lines().forEach(l -> { }));
                long start = System.nanoTime();
                for (int tick = 0; tick < seconds * PER_SECOND; tick++) {
                    PodRecord gone = live.removeFirst();
                    Files.delete(Path.of(gone.cgroup()));
                    live.add(record(node, next++));
                    write(podFile, live);
                    if (tick % (PER_SECOND * 2) == 0) {
                        System.out.println("t=" + tick / PER_SECOND + "s agent RSS " + rssKib(agent.pid()) + " KiB");
                    }
                    long due = start + (tick + 1) * 1_000_000_000L / PER_SECOND;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                System.out.println("end agent RSS " + rssKib(agent.pid()) + " KiB after " + (next - LIVE) + " pods churned");

                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                Map<String, Integer> counts = counts(node);
                while (System.nanoTime() < deadline && !counts.equals(expected())) {
                    Thread.sleep(100);
                    counts = counts(node);
                }
                assertEquals(expected(), counts, "map entries must equal the live pods");
                assertTrue(agent.isAlive(), "the agent survives the churn");
            } finally {
                agent.destroyForcibly().waitFor();
                Files.deleteIfExists(podFile);
            }
        }
    }

    private static Map<String, Integer> expected() {
        return Map.of(MapName.ML_POD_BY_CGRP.cName(), LIVE, MapName.ML_POD_BY_IP4.cName(), LIVE,
                MapName.ML_POD_COUNTERS.cName(), LIVE, MapName.ML_EXCL_PORTS.cName(), LIVE);
    }

    private static Map<String, Integer> counts(TestNode node) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (MapName name : List.of(MapName.ML_POD_BY_CGRP, MapName.ML_POD_BY_IP4, MapName.ML_POD_COUNTERS, MapName.ML_EXCL_PORTS)) {
            try (BpfMap map = BpfMap.openPinned(name.cName(), node.config().pinDir().resolve("maps").resolve(name.cName()))) {
                counts.put(name.cName(), map.keys(name.keySize()).size());
            }
        }
        return counts;
    }

    private static PodRecord record(TestNode node, int n) throws Exception {
        Path cgroup = Files.createDirectory(node.cgroupRoot().resolve("churn-" + n));
        String ip = "10.250." + (n / 250) % 250 + "." + (n % 250 + 1);
        return new PodRecord("churn", "pod-" + n, cgroup.toString(), List.of(ip), true, 1337, 15001, 15006,
                List.of(3306), List.of());
    }

    private static void write(Path file, Deque<PodRecord> live) {
        new PodFile(Map.of("churn", true), List.copyOf(live)).write(file);
    }

    private static long rssKib(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
