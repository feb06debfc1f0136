package io.meshlane.lab.node;

import io.meshlane.lab.capture.EbpfCapture;
import io.meshlane.lab.capture.IstioIptables;
import io.meshlane.lab.cli.LabCommand;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real namespaces, cgroups, iptables and eBPF: lab up builds a node, lab down leaves nothing. */
class LabLifecycleTest {
    private static final String LAB = "tlife";
    private static final String POD_FILE = """
            lab: tlife
            pods:
              - {namespace: plain, name: web, mode: direct, app: {type: echo, port: 8080}}
              - {namespace: legacy, name: web, mode: iptables, labels: {app: web}, app: {type: echo, port: 8080}}
              - {namespace: fast, name: web, mode: ebpf, app: {type: echo, port: 8080}}
              - {namespace: fast, name: tools, mode: ebpf, app: {type: command, command: [sleep, "600"]}}
            """;

    @BeforeEach
    @AfterEach
    void clean() {
        NodeLab.down(LAB);
    }

    @Test
    void upBuildsTheNodeAndDownRemovesEverythingTwice(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pods.yaml");
        Files.writeString(file, POD_FILE);
        LabSpec spec = PodFile.read(file);
        List<Long> pids;
        try (NodeLab lab = NodeLab.up(spec)) {
            LabLayout layout = lab.layout();
            assertTrue(Netns.exists(layout.nodeNetns()));
            for (LabPod pod : lab.pods()) {
                assertTrue(Netns.exists(pod.netns()), pod.netns());
                assertTrue(Files.isDirectory(pod.cgroup()), pod.cgroup().toString());
                String addr = HostCommand.run("ip", "-n", pod.netns(), "-4", "addr", "show", "dev", "eth0");
                assertTrue(addr.contains(pod.ip() + "/16"), addr);
            }
            assertTrue(lab.pod("fast/web").cgroup().startsWith(layout.acceleratedRoot()));
            assertTrue(lab.pod("legacy/web").cgroup().startsWith(layout.plainRoot()));

            String rules = IstioIptables.save(lab.pod("legacy/web").netns());
            assertTrue(rules.contains("-A OUTPUT -p tcp -j ISTIO_OUTPUT"), rules);
            assertTrue(rules.contains("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001"), rules);
            assertTrue(rules.contains("-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006"), rules);
            assertTrue(rules.contains("--uid-owner 1337 -j RETURN"), rules);
            assertFalse(IstioIptables.save(lab.pod("fast/web").netns()).contains("ISTIO"), "ebpf pods get no iptables rules");
            assertTrue(EbpfCapture.installed(layout), "the datapath is pinned for the lab");

            List<LabState.Proc> procs = lab.processes();
            assertEquals(7, procs.size(), "3 sidecars (legacy/web, fast/web, fast/tools) + 4 apps: " + procs);
            for (LabState.Proc p : procs) {
                assertTrue(p.alive(), p + " is running");
                LabPod pod = lab.pod(p.pod());
                assertTrue(Cgroups.procs(pod.cgroup()).contains(p.pid()), p + " is in its pod's cgroup");
                assertTrue(Netns.pids(pod.netns()).contains(p.pid()), p + " is in its pod's netns");
                String uid = Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
                        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
                assertEquals(p.role().equals("sidecar") ? "1337" : "0", uid, p + " uid");
            }

            StringWriter out = new StringWriter();
            int rc = new CommandLine(new LabCommand()).setOut(new PrintWriter(out)).execute("status", "--lab", LAB);
            assertEquals(0, rc, out.toString());
            assertTrue(out.toString().contains("legacy/web") && out.toString().contains("iptables")
                    && out.toString().contains("sidecar:"), out.toString());
            pids = procs.stream().map(LabState.Proc::pid).toList();
        }
        LabAssertions.assertNothingLeft(LAB, pids);
        assertEquals(List.of(), NodeLab.down(LAB), "a second down finds nothing to do");
    }

    @Test
    void downCleansUpAfterACrashWithoutTheStateFile(@TempDir Path dir) throws Exception {
        NodeLab lab = NodeLab.up(PodFile.parse(POD_FILE, "crash.yaml"));
        List<Long> pids = lab.processes().stream().map(LabState.Proc::pid).toList();
        // the lab process "crashed": its state file is gone, only names on the machine remain
        Files.delete(lab.layout().stateFile());
        StringWriter out = new StringWriter();
        int rc = new CommandLine(new LabCommand()).setOut(new PrintWriter(out)).execute("down", "--lab", LAB);
        assertEquals(0, rc, out.toString());
        LabAssertions.assertNothingLeft(LAB, pids);
        rc = new CommandLine(new LabCommand()).setOut(new PrintWriter(out)).execute("down", "--lab", LAB);
        assertEquals(0, rc, "down is idempotent");
    }

    @Test
    void aBadPodFileIsRejectedBeforeAnythingIsCreated(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                lab: tlife
                pods:
                  - {name: a, mode: iptables, ip: 10.244.3.3, app: {type: echo, port: 80}}
                  - {name: a, mode: warp, ip: 10.244.3.3}
                """);
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new LabCommand()).setErr(new PrintWriter(err)).execute("up", file.toString());
        assertEquals(1, rc);
        assertTrue(err.toString().contains("duplicate pod name default/a"), err.toString());
        assertTrue(err.toString().contains("unknown mode 'warp'"), err.toString());
        assertTrue(err.toString().contains("address collision"), err.toString());
        LabAssertions.assertNothingLeft(LAB, List.of());
    }
}
