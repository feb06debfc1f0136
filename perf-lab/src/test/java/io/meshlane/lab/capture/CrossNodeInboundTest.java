package io.meshlane.lab.capture;

import io.meshlane.agent.bpf.TcIngress;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.Feature;
import io.meshlane.agent.datapath.PodRegistration;
import io.meshlane.lab.bench.LoadAgentHandle;
import io.meshlane.lab.load.LoadResult;
import io.meshlane.lab.load.LoadSpec;
import io.meshlane.lab.node.HostCommand;
import io.meshlane.lab.node.LabAssertions;
import io.meshlane.lab.node.LabLayout;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.LabState;
import io.meshlane.lab.node.Netns;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.AddressPlan;
import io.meshlane.lab.spec.AppSpec;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodMode;
import io.meshlane.lab.spec.PodSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cross-node inbound capture without iptables: a plain client on lab node 2 connects to a meshed
 * server on node 1; its packets cross the wire between the node namespaces and the server pod's
 * tc program hands each new connection to the server's transparent sidecar listener, which reads
 * the original destination with getsockname. Exclusions, the namespace switch and a missing
 * sidecar listener all let new connections reach the application directly. One lab for the class;
 * the steps run in order because each changes the server's registration or sidecar.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrossNodeInboundTest {
    private static final String LAB = "txnode";
    private static final String MESH = "mesh";
    private static final int PORT = 8080;
    private static final Pattern WIRE_RX = Pattern.compile("\"rx\":\\{\"bytes\":\\d+,\"packets\":(\\d+)");
    private static NodeLab lab;
    private static LoadAgentHandle client;
    private static LabPod server;
    private static List<Long> pids = List.of();

    @BeforeAll
    static void up() {
        NodeLab.down(LAB);
        AddressPlan plan = new AddressPlan();
        lab = NodeLab.up(new LabSpec(LAB, List.of(
                new PodSpec(MESH, "server", Map.of("app", "echo"), true, PodMode.EBPF, plan.allocate(),
                        new AppSpec.Echo(PORT), false),
                new PodSpec("edge", "client", Map.of("app", "load", LabLayout.NODE_LABEL, "2"), false, PodMode.DIRECT,
                        plan.allocateOnNode2(), new AppSpec.None(), false))));
        server = lab.pod(MESH + "/server");
        client = LoadAgentHandle.start(lab, lab.pod("edge/client"));
    }

    @AfterAll
    static void down() {
        if (client != null) {
            client.close();
        }
        if (lab != null) {
            pids = lab.processes().stream().map(LabState.Proc::pid).toList();
        }
        NodeLab.down(LAB);
        LabAssertions.assertNothingLeft(LAB, pids);
        assertFalse(Files.exists(EbpfCapture.config(LabLayout.of(LAB)).pinDir()), "uninstall removed the tc link and program pins");
    }

    @Test
    @Order(1)
    void crossNodeConnectionsGoThroughTheServersSidecarWithNoIptablesRuleAnywhere() throws IOException {
        assertTrue(Files.exists(EbpfCapture.config(lab.layout()).pinDir().resolve("links/tc/mesh_server")),
                "the server's tc ingress is a pinned TCX link (kernel " + System.getProperty("os.version") + ")");
        long wireBefore = wirePackets();
        Map<String, Long> before = EbpfCapture.counters(lab.layout());
        int connsBefore = inboundConnections();

        carriedIntact();

        Map<String, Long> after = EbpfCapture.counters(lab.layout());
        int relayed = inboundConnections() - connsBefore;
        assertTrue(relayed > 0, "the server's sidecar relayed the client's connections:\n" + sidecarLog());
        assertEquals(relayed, delta(before, after, "inbound_assigned"),
                "one sk_assign per connection the sidecar accepted: " + before + " -> " + after);
        assertTrue(sidecarLog().contains("CONN inbound from /" + lab.pod("edge/client").ip())
                        && sidecarLog().contains("original " + server.ip() + ":" + PORT + " upstream 127.0.0.1:" + PORT),
                "getsockname gave the sidecar the original destination:\n" + sidecarLog());
        assertTrue(wirePackets() - wireBefore > 0, "the packets crossed the wire between the node namespaces");
        for (String netns : Netns.list(lab.layout().netnsPrefix())) {
            String rules = IstioIptables.save(netns);
            assertFalse(rules.lines().anyMatch(l -> l.startsWith("-A")), "no iptables rule in " + netns + ":\n" + rules);
        }
    }

    @Test
    @Order(2)
    void anExcludedInboundPortReachesTheAppDirectly() throws IOException {
        try (Datapath dp = Datapath.open(EbpfCapture.config(lab.layout()))) {
            PodRegistration r = EbpfCapture.registration(server);
            dp.registerPod(new PodRegistration(r.namespace(), r.name(), r.cgroup(), r.ips(), true, r.sidecarUid(),
                    r.outboundPort(), r.inboundPort(), r.excludedPorts(), r.excludedCidrs(), r.includedCidrs(), Set.of(PORT)));
            bypassesSidecar("inbound_pass_excluded_port");
            dp.registerPod(r);
        }
    }

    @Test
    @Order(3)
    void switchingTheNamespaceOffSendsNewConnectionsStraightToTheApp() throws IOException {
        try (Datapath dp = Datapath.open(EbpfCapture.config(lab.layout()))) {
            dp.setNamespaceAcceleration(MESH, false);
            bypassesSidecar("inbound_pass_ns_disabled");
            dp.setNamespaceAcceleration(MESH, true);
        }
        Map<String, Long> before = EbpfCapture.counters(lab.layout());
        carriedIntact();
        assertTrue(delta(before, EbpfCapture.counters(lab.layout()), "inbound_assigned") > 0, "switched on again: captured");
    }

    @Test
    @Order(4)
    void withoutTcxTheSameCaptureRunsAsAClsactFilter() throws IOException {
        try (Datapath dp = Datapath.open(EbpfCapture.config(lab.layout()).withForcedMissing(Set.of(Feature.TCX)))) {
            assertEquals(TcIngress.Kind.CLSACT, dp.captureInbound(MESH, "server", Netns.path(server.netns()),
                    LabLayout.POD_INTERFACE).orElseThrow());
        }
        assertFalse(Files.exists(EbpfCapture.config(lab.layout()).pinDir().resolve("links/tc/mesh_server")), "TCX link replaced");
        assertTrue(HostCommand.run("ip", "netns", "exec", server.netns(), "tc", "filter", "show", "dev", "eth0", "ingress")
                .contains("ml_tc_inbound"), "clsact filter attached");
        Map<String, Long> before = EbpfCapture.counters(lab.layout());
        int connsBefore = inboundConnections();
        carriedIntact();
        assertEquals(inboundConnections() - connsBefore, delta(before, EbpfCapture.counters(lab.layout()), "inbound_assigned"));
    }

    @Test
    @Order(5)
    void withTheSidecarGoneConnectionsPassThroughToTheApp() throws IOException {
        lab.processes().stream().filter(p -> p.pod().equals(server.key()) && p.role().equals("sidecar"))
                .forEach(p -> ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (HostCommand.run("ip", "netns", "exec", server.netns(), "ss", "-Htln", "sport = :15006").contains("15006")) {
            assertTrue(System.nanoTime() < deadline, "the sidecar stopped listening");
            sleep(50);
        }
        Map<String, Long> before = EbpfCapture.counters(lab.layout());
        carriedIntact();
        assertTrue(delta(before, EbpfCapture.counters(lab.layout()), "inbound_pass_no_listener") > 0, "pass-through counted");
    }

    private static void bypassesSidecar(String counter) throws IOException {
        Map<String, Long> before = EbpfCapture.counters(lab.layout());
        int connsBefore = inboundConnections();
        carriedIntact();
        Map<String, Long> after = EbpfCapture.counters(lab.layout());
        assertEquals(connsBefore, inboundConnections(), "no new connection through the sidecar:\n" + sidecarLog());
        assertEquals(0, delta(before, after, "inbound_assigned"), before + " -> " + after);
        assertTrue(delta(before, after, counter) > 0, counter + " counted: " + before + " -> " + after);
    }

    /** Every response checksummed by the load agent, for small, medium and multi-segment payloads. */
    private static void carriedIntact() {
        for (int payload : List.of(64, 1024, 200_000)) {
            LoadResult r = client.closedLoop(new LoadSpec(server.ip(), PORT, payload, 2, 1, Duration.ofMillis(400)));
            assertEquals(0, r.errors(), payload + " B: " + r.errorSamples());
            assertTrue(r.requests() >= 2, payload + " B: only " + r.requests() + " requests");
        }
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String counter) {
        return after.get(counter) - before.get(counter);
    }

    private static String sidecarLog() throws IOException {
        return Files.readString(lab.podFile(server, "sidecar.log"));
    }

    private static int inboundConnections() throws IOException {
        return (int) sidecarLog().lines().filter(l -> l.startsWith("CONN inbound")).count();
    }

    private static long wirePackets() {
        Matcher m = WIRE_RX.matcher(HostCommand.run("ip", "-n", lab.layout().nodeNetns(1), "-j", "-s", "link", "show",
                LabLayout.WIRE));
        assertTrue(m.find(), "ip -s link shows the wire's counters");
        return Long.parseLong(m.group(1));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
