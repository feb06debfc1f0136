package io.meshlane.installer;

import io.meshlane.agent.controlplane.ControlPlaneLink;
import io.meshlane.agent.controlplane.NodeCertificateChannels;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.identity.IdentityOptions;
import io.meshlane.control.identity.JoinToken;
import io.meshlane.control.identity.JoinTokens;
import io.meshlane.control.identity.NodeTrust;
import io.meshlane.control.identity.Revocations;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's own link code (ControlPlaneLink + NodeCertificateChannels) against mesh-control's
 * agents' endpoint, over real TLS: join with a token, renew under a running stream, revocation,
 * and a node that reports another node's stats.
 */
class AgentIdentityEndToEndTest {

    @TempDir
    Path data;
    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) {
            c.close();
        }
    }

    private AgentServer serve(Duration lifetime) {
        ControlPlane control = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(data.resolve("control"))
                .withListen("127.0.0.1", 0).withTelemetry(TelemetryOptions.defaults().withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF)));
        running.add(control);
        AgentServer server = AgentServer.start(control.store(), NodeTrust.open(control.dataDir(), control.tls(),
                IdentityOptions.defaults().withLifetime(lifetime)), "127.0.0.1", 0);
        running.add(server);
        return server;
    }

    private Path token(String value) throws Exception {
        Path file = data.resolve("token-" + System.nanoTime());
        Files.writeString(file, value);
        return file;
    }

    private String newToken() {
        return new JoinTokens(data.resolve("control")).create("local", Duration.ofMinutes(5), JoinToken.Scope.agent);
    }

    private ControlPlaneLink link(AgentServer server, NodeCertificateChannels channels, String node, String reportsAs) {
        ControlPlaneLink link = new ControlPlaneLink(channels, NodeIdentity.newBuilder().setNode(node).setCluster("local").build(),
                data.resolve("state-" + node), update -> { }, version -> NodeStats.newBuilder().setNode(reportsAs).setCluster("local")
                .setMode("ACCELERATING").setPolicyVersion(version).setTimestampUnixMs(System.currentTimeMillis()).build(),
                Duration.ofMillis(300));
        running.add(link);
        link.start();
        return link;
    }

    private NodeCertificateChannels channels(AgentServer server, Path tokenFile, String node) {
        return new NodeCertificateChannels("127.0.0.1:" + server.port(), data.resolve("control/ca.crt"), tokenFile,
                data.resolve("state-" + node), node, "local");
    }

    @Test
    void anAgentWithoutAValidJoinTokenGetsNoPolicyStream() throws Exception {
        AgentServer server = serve(Duration.ofHours(1));
        ControlPlaneLink link = link(server, channels(server, token("00000000.00000000000000000000000000000000"), "node-x"), "node-x", "node-x");
        ControlPlaneLink noToken = link(server, channels(server, null, "node-y"), "node-y", "node-y");
        Thread.sleep(3000);
        assertEquals(0, server.connectedAgents());
        assertEquals("", link.policyVersion());
        assertEquals(0, link.reportsSent() + noToken.reportsSent());
        assertFalse(Files.exists(data.resolve("state-node-x/node.crt")));
    }

    @Test
    void renewalUnderARunningStreamLeavesNoGap() throws Exception {
        AgentServer server = serve(Duration.ofSeconds(30));
        NodeCertificateChannels channels = channels(server, token(newToken()), "node-1");
        ControlPlaneLink link = link(server, channels, "node-1", "node-1");
        await(() -> server.connectedAgents() == 1 && !link.policyVersion().isEmpty(), Duration.ofSeconds(15));
        var firstSerial = channels.certificateSerial().orElseThrow();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("state-node-1/node.key"))));

        // past two renewals (at 20 s and 40 s) and past the first certificate's expiry (30 s)
        long end = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        int gaps = 0;
        while (System.nanoTime() < end) {
            if (server.connectedAgents() == 0) {
                gaps++;
            }
            Thread.sleep(20);
        }
        assertEquals(0, gaps, "samples without an open policy stream");
        assertTrue(link.renewals() >= 2, "renewals: " + link.renewals());
        assertNotEquals(firstSerial, channels.certificateSerial().orElseThrow());

        // the stream that is open now is live: a new policy reaches the agent
        String before = link.policyVersion();
        Path control = data.resolve("control");
        ControlPlane plane = (ControlPlane) running.getFirst();
        plane.store().create("/registry/meshlane.io/accelerationpolicies/shop/off", ("{\"apiVersion\":\"meshlane.io/v1alpha1\","
                + "\"kind\":\"AccelerationPolicy\",\"metadata\":{\"namespace\":\"shop\",\"name\":\"off\"},\"spec\":{\"acceleration\":"
                + "\"Disabled\"}}").getBytes(StandardCharsets.UTF_8));
        await(() -> !link.policyVersion().equals(before), Duration.ofSeconds(10));
        long failed = link.reportsFailed();
        Thread.sleep(1000);
        assertEquals(failed, link.reportsFailed(), "reports go through on the renewed certificate");
        assertTrue(Files.exists(control.resolve("ca.crt")));
    }

    @Test
    void aRevokedAgentIsRefusedAndAnAgentCannotReportAnotherNode() throws Exception {
        AgentServer server = serve(Duration.ofHours(1));
        ControlPlaneLink revoked = link(server, channels(server, token(newToken()), "node-r"), "node-r", "node-r");
        ControlPlaneLink forger = link(server, channels(server, token(newToken()), "node-a"), "node-a", "node-b");
        await(() -> server.connectedAgents() == 2 && revoked.reportsSent() > 0, Duration.ofSeconds(15));

        new Revocations(data.resolve("control")).revoke(Optional.empty(), "node-r");
        await(() -> server.connectedAgents() == 1, Duration.ofSeconds(3));
        long sent = revoked.reportsSent();
        Thread.sleep(2000);
        assertEquals(1, server.connectedAgents(), "the revoked agent's reconnects are refused");
        assertEquals(sent, revoked.reportsSent(), "its reports are refused");

        await(() -> forger.reportsFailed() > 2, Duration.ofSeconds(10));
        assertEquals(0, forger.reportsSent());
        assertFalse(server.latestReports().containsKey("node-b"), "nothing was stored for node B");
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(20);
        }
    }
}
