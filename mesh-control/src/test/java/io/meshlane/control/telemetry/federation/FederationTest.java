package io.meshlane.control.telemetry.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two real control planes: "west" federates "east" (by east's kubeconfig). West's API answers
 * with one merged view labelled by cluster, traces that crossed clusters come back whole, and a
 * dead peer costs a note in the answer, never the local data.
 */
class FederationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Random random = new Random(11);
    private Path eastDir;
    private Path westDir;
    private ControlPlane east;
    private ControlPlane west;

    @BeforeEach
    void start() throws Exception {
        eastDir = Files.createTempDirectory("meshlane-east");
        westDir = Files.createTempDirectory("meshlane-west");
        east = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(eastDir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster("east").withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF)));
        west = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(westDir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster("west").withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF)
                        .withPeers(List.of(east.kubeconfig()))));
    }

    @AfterEach
    void stop() {
        try {
            if (west != null) {
                west.close();
            }
            if (east != null) {
                east.close();
            }
        } finally {
            TempDirs.delete(eastDir);
            TempDirs.delete(westDir);
        }
    }

    @Test
    void twoPlanesShowOneMergedTopologyLabelledByCluster() throws Exception {
        for (int i = 0; i < 50; i++) {
            call(east, "east", "frontend", "cart", 20 + i, null);
            call(west, "west", "cart", "payments", 40 + i, null);
        }
        JsonNode merged = get(west, "/telemetry/v1/topology?window=5m");
        assertEquals(Set.of("east/shop/frontend->east/shop/cart", "west/shop/cart->west/shop/payments"), ids(merged.path("edges")),
                "west's merged topology: " + merged);
        Set<String> clusters = new TreeSet<>();
        merged.path("nodes").forEach(n -> clusters.add(n.path("cluster").asText()));
        assertEquals(Set.of("east", "west"), clusters);
        assertTrue(merged.path("unreachablePeers").isMissingNode(), "no peer failed: " + merged);

        JsonNode local = get(west, "/telemetry/v1/topology?window=5m&scope=local");
        assertEquals(Set.of("west/shop/cart->west/shop/payments"), ids(local.path("edges")));

        JsonNode services = get(west, "/telemetry/v1/services?window=5m");
        JsonNode eastCart = row(services.path("services"), "east/shop/cart");
        assertEquals(50, eastCart.path("requests").asLong(), "east's cart as west sees it: " + eastCart);
        assertEquals(69.0, eastCart.path("maxMs").asDouble(), 69.0 * 0.01, "exact max through the peer's encoded histogram");

        JsonNode top = get(west, "/telemetry/v1/top?by=latency&of=services&n=1");
        assertEquals("west/shop/payments", top.path("rows").path(0).path("id").asText(), "slowest across both clusters: " + top);
    }

    @Test
    void aTraceThatCrossedClustersComesBackWholeAndSearchSpansBoth() throws Exception {
        byte[] trace = new byte[16];
        random.nextBytes(trace);
        String traceId = HexFormat.of().formatHex(trace);
        call(east, "east", "frontend", "cart", 30, traceId);
        call(west, "west", "cart", "payments", 900, traceId);

        JsonNode waterfall = get(west, "/telemetry/v1/traces/" + traceId);
        Set<String> clusters = new TreeSet<>();
        waterfall.path("spans").forEach(s -> clusters.add(s.path("cluster").asText()));
        assertEquals(4, waterfall.path("spans").size(), "both clusters' spans: " + waterfall);
        assertEquals(Set.of("east", "west"), clusters);

        JsonNode slow = get(west, "/telemetry/v1/traces?service=payments&minDurationMs=500");
        assertEquals(traceId, slow.path("traces").path(0).path("traceId").asText(), "slow trace found: " + slow);
        JsonNode fromEast = get(west, "/telemetry/v1/traces?service=frontend");
        assertEquals("east", fromEast.path("traces").path(0).path("cluster").asText(), "east's trace found from west: " + fromEast);
    }

    @Test
    void aDeadPeerIsReportedAndTheLocalViewStillAnswers() throws Exception {
        call(west, "west", "cart", "payments", 40, null);
        east.close();
        east = null;
        JsonNode topology = get(west, "/telemetry/v1/topology");
        assertEquals(Set.of("west/shop/cart->west/shop/payments"), ids(topology.path("edges")));
        JsonNode failed = topology.path("unreachablePeers").path(0);
        assertTrue(failed.path("name").asText().startsWith("127.0.0.1:"), "the dead peer is named: " + topology);
        assertTrue(failed.path("error").asText().contains("https://" + failed.path("name").asText()),
                "with a reason that names the peer's address: " + topology);
        JsonNode status = get(west, "/telemetry/v1/status");
        assertEquals(false, status.path("peers").path(0).path("ok").asBoolean(true), "status shows the peer down: " + status);
    }

    @Test
    void aPeerKubeconfigThatIsNotOneIsRefusedWithTheReason() throws Exception {
        Path bad = Files.writeString(westDir.resolve("not-a-kubeconfig"), "clusters: []\n");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FederationPeer.fromKubeconfig(bad));
        assertTrue(e.getMessage().contains("clusters[0].cluster.server"), e.getMessage());
    }

    /** One call caller → callee as the two spans instrumented workloads export (CLIENT with peer.service, SERVER). */
    private void call(ControlPlane plane, String cluster, String caller, String callee, long millis, String traceId) {
        String trace = traceId;
        if (trace == null) {
            byte[] t = new byte[16];
            random.nextBytes(t);
            trace = HexFormat.of().formatHex(t);
        }
        long end = System.currentTimeMillis() * 1_000_000L;
        long start = end - millis * 1_000_000L;
        String client = spanId();
        List<SpanRecord> spans = new ArrayList<>();
        spans.add(new SpanRecord(trace, client, "", "GET /" + callee, SpanKind.CLIENT, peer(cluster, caller), callee, start, end, false,
                200, "", Map.of()));
        spans.add(new SpanRecord(trace, spanId(), client, "GET /" + callee, SpanKind.SERVER, peer(cluster, callee), "", start + 1000,
                end - 1000, false, 200, "", Map.of("http.route", "/" + callee)));
        plane.telemetry().store().accept(TelemetryBatch.ofSpans(spans));
    }

    private static Peer peer(String cluster, String service) {
        return new Peer(cluster, "shop", service + "-v1", service);
    }

    private String spanId() {
        byte[] s = new byte[8];
        random.nextBytes(s);
        return HexFormat.of().formatHex(s);
    }

    private static JsonNode get(ControlPlane plane, String path) throws Exception {
        var response = new ApiClient(plane.url(), plane.caCertificate(), plane.token()).get(path);
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    private static Set<String> ids(JsonNode rows) {
        Set<String> ids = new TreeSet<>();
        rows.forEach(r -> ids.add(r.path("id").asText()));
        return ids;
    }

    private static JsonNode row(JsonNode rows, String id) {
        for (JsonNode r : rows) {
            if (r.path("id").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("no row " + id + " in " + rows);
    }
}
