package io.meshlane.lab.bench;

import io.meshlane.lab.capture.EbpfCapture;
import io.meshlane.lab.capture.IstioIptables;
import io.meshlane.lab.load.LoadResult;
import io.meshlane.lab.load.LoadSpec;
import io.meshlane.lab.node.LabAssertions;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.LabState;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.PodMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each mode carries traffic intact (every response checksummed) and takes the path it claims:
 * iptables through Istio's REDIRECT chains, ebpf through the datapath's connect/getsockopt
 * hooks, both through the sidecar relay with the right SO_ORIGINAL_DST.
 */
class ModeTrafficTest {
    private static final String LAB = "tmodes";
    private static final List<PodMode> MODES = List.of(PodMode.DIRECT, PodMode.IPTABLES, PodMode.EBPF);
    private static NodeLab lab;
    private static final Map<PodMode, LoadAgentHandle> AGENTS = new EnumMap<>(PodMode.class);
    private static List<Long> pids = List.of();

    @BeforeAll
    static void up() {
        NodeLab.down(LAB);
        lab = NodeLab.up(BenchTopology.spec(LAB, MODES));
        for (PodMode mode : MODES) {
            AGENTS.put(mode, LoadAgentHandle.start(lab, lab.pod(BenchTopology.clientKey(mode))));
        }
    }

    @AfterAll
    static void down() {
        AGENTS.values().forEach(LoadAgentHandle::close);
        if (lab != null) {
            pids = lab.processes().stream().map(LabState.Proc::pid).toList();
        }
        NodeLab.down(LAB);
        LabAssertions.assertNothingLeft(LAB, pids);
    }

    private static LoadSpec spec(PodMode mode, int payload, int rate, Duration duration) {
        return new LoadSpec(lab.pod(BenchTopology.serverKey(mode)).ip(), BenchOptions.ECHO_PORT, payload, 3, rate, duration);
    }

    private static void carriesIntact(PodMode mode) {
        LoadAgentHandle agent = AGENTS.get(mode);
        // first connections through cold sidecars are slow: warm the path up (still checksummed)
        LoadResult warm = agent.openLoop(spec(mode, 64, 100, Duration.ofSeconds(1)));
        assertEquals(0, warm.errors(), mode + " warm-up: " + warm.errorSamples());
        for (int payload : List.of(64, 1024, 200_000)) {
            LoadResult closed = agent.closedLoop(spec(mode, payload, 1, Duration.ofMillis(800)));
            assertEquals(0, closed.errors(), mode + " " + payload + " B closed loop: " + closed.errorSamples());
            assertTrue(closed.requests() >= 3, mode + " " + payload + " B: only " + closed.requests() + " requests");
        }
        LoadSpec base = spec(mode, 1500, 1, Duration.ofMillis(800));
        LoadResult pipelined = agent.closedLoop(new LoadSpec(base.host(), base.port(), base.payload(), base.connections(),
                base.rate(), base.duration(), 8));
        assertEquals(0, pipelined.errors(), mode + " pipelined closed loop: " + pipelined.errorSamples());
        LoadResult open = agent.openLoop(spec(mode, 512, 300, Duration.ofSeconds(1)));
        assertEquals(0, open.errors(), mode + " open loop: " + open.errorSamples());
        assertEquals(300, open.requests(), mode + " open loop answered every request");
    }

    private static String log(LabPod pod, String role) throws IOException {
        return Files.readString(lab.layout().logDir().resolve(pod.spec().namespace() + "." + pod.spec().name() + "." + role + ".log"));
    }

    private static void assertRelayed(PodMode mode) throws IOException {
        LabPod client = lab.pod(BenchTopology.clientKey(mode));
        LabPod server = lab.pod(BenchTopology.serverKey(mode));
        String original = "original " + server.ip() + ":" + BenchOptions.ECHO_PORT;
        String out = log(client, "sidecar");
        // iptables REDIRECT keeps the app's source address; the datapath rewrites connect() to 127.0.0.1:15001
        String from = mode == PodMode.EBPF ? "127.0.0.1" : client.ip();
        assertTrue(out.contains("CONN outbound from /" + from) && out.contains(original + " upstream " + server.ip()),
                "client sidecar relayed the app's connections to the server:\n" + out);
        String in = log(server, "sidecar");
        assertTrue(in.contains("CONN inbound from /" + client.ip()) && in.contains(original + " upstream 127.0.0.1:8080"),
                "server sidecar got the client sidecar's connections with the right original destination:\n" + in);
        assertTrue(!out.contains("DROP") && !in.contains("DROP"), "no connection dropped:\n" + out + in);
    }

    @Test
    void directCarriesTrafficIntact() {
        carriesIntact(PodMode.DIRECT);
    }

    @Test
    void iptablesCarriesTrafficIntactThroughBothSidecars() throws IOException {
        carriesIntact(PodMode.IPTABLES);
        assertRelayed(PodMode.IPTABLES);
        assertTrue(IstioIptables.packets(lab.pod(BenchTopology.clientKey(PodMode.IPTABLES)).netns(), "ISTIO_REDIRECT") > 0);
        assertTrue(IstioIptables.packets(lab.pod(BenchTopology.serverKey(PodMode.IPTABLES)).netns(), "ISTIO_IN_REDIRECT") > 0);
    }

    @Test
    void ebpfCarriesTrafficIntactThroughBothSidecars() throws IOException {
        Map<String, Long> before = EbpfCapture.counters(lab.layout());
        carriesIntact(PodMode.EBPF);
        assertRelayed(PodMode.EBPF);
        Map<String, Long> after = EbpfCapture.counters(lab.layout());
        for (String counter : List.of("connect_redirected_outbound", "connect_redirected_inbound", "orig_dst_answered",
                "sockets_inserted", "msg_redirected")) {
            assertTrue(after.get(counter) > before.get(counter), counter + " grew: " + before + " -> " + after);
        }
        Path clientNetns = Path.of("/run/netns", lab.pod(BenchTopology.clientKey(PodMode.EBPF)).netns());
        assertTrue(Files.exists(clientNetns));
        assertTrue(!IstioIptables.save(clientNetns.getFileName().toString()).contains("ISTIO"), "no iptables in ebpf mode");
    }
}
