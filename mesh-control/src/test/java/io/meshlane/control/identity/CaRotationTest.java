package io.meshlane.control.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.cli.ControlCommand;
import io.meshlane.control.fleet.SharedSecrets;
import io.meshlane.control.fleet.SharedStore;
import io.meshlane.control.security.CaRotation;
import io.meshlane.control.security.TlsMaterial;
import io.meshlane.control.store.EtcdStore;
import io.meshlane.control.store.SqliteStore;
import io.meshlane.control.testing.EtcdServer;
import io.meshlane.control.testing.FreePorts;
import io.meshlane.control.testing.NodeClients;
import io.meshlane.control.testing.TempDirs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code meshlane control rotate-ca} as an operator runs it, with a control plane restarted after each
 * step: after begin, agents holding certificates of the previous CA and clients trusting only it keep
 * working while new certificates come from the new CA; after finish, only the new CA is trusted.
 */
class CaRotationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theNewCaIsTrustedBesideTheOldUntilFinish() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-rotate-ca");
        try (SqliteStore store = SqliteStore.open(dir.resolve("store"))) {
            NodeClients.Enrolled old;
            Path oldTrust = dir.resolve("old-ca.crt");
            try (AgentServer server = start(store, dir)) {
                NodeClients clients = new NodeClients(dir, server.port());
                old = clients.join("east", "node-old");
                Files.copy(dir.resolve("ca.crt"), oldTrust);
                report(clients.channel(old), "node-old");
            }
            assertEquals("meshlane-ca", issuerOf(store, "node-old"));

            String begun = cli(0, "rotate-ca", "begin", "--data-dir", dir.toString());
            assertTrue(begun.contains("new CA meshlane-ca-"), begun);
            assertTrue(cli(2, "rotate-ca", "begin", "--data-dir", dir.toString()).contains("already under way"),
                    "a second begin is refused while one rotation is under way");
            NodeClients.Enrolled fresh;
            NodeClients.Enrolled renewed;
            try (AgentServer server = start(store, dir)) {
                NodeClients clients = new NodeClients(dir, server.port());
                report(clients.channel(old, oldTrust), "node-old");
                assertEquals("meshlane-ca", issuerOf(store, "node-old"),
                        "an agent with a certificate of the previous CA and only the previous ca.crt still reports");
                fresh = clients.join("east", "node-new");
                String newCa = fresh.certificate().getIssuerX500Principal().getName();
                assertTrue(newCa.startsWith("CN=meshlane-ca-"), "new certificates come from the new CA: " + newCa);
                report(clients.channel(fresh, oldTrust), "node-new");
                renewed = clients.renew(old, "node-old");
                assertEquals(newCa, renewed.certificate().getIssuerX500Principal().getName(), "a renewal moves an agent to the new CA");
                report(clients.channel(renewed), "node-old");
                assertEquals(newCa.substring(3), issuerOf(store, "node-old"), "kubectl -o wide shows who moved");
            }
            assertTrue(cli(0, "rotate-ca", "status", "--data-dir", dir.toString()).contains("a rotation is under way"));

            cli(0, "rotate-ca", "finish", "--data-dir", dir.toString());
            try (AgentServer server = start(store, dir)) {
                NodeClients clients = new NodeClients(dir, server.port());
                report(clients.channel(renewed), "node-old");
                report(clients.channel(fresh), "node-new");
                assertThrows(StatusRuntimeException.class, () -> report(clients.channel(old), "node-old"),
                        "a certificate of the previous CA is refused once the rotation is finished");
                assertThrows(StatusRuntimeException.class, () -> report(clients.channel(renewed, oldTrust), "node-old"),
                        "the server's certificate now comes from the new CA: a client trusting only the previous one fails");
            }
            String status = cli(0, "rotate-ca", "status", "--data-dir", dir.toString());
            assertTrue(status.contains("no rotation under way"), status);
            assertNotEquals(Files.readString(oldTrust), Files.readString(dir.resolve("ca.crt")));
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void replicasOnEtcdTakeEachStepUpFromTheSharedStoreWhenTheyRestart() throws Exception {
        Path a = Files.createTempDirectory("meshlane-rotate-a");
        Path b = Files.createTempDirectory("meshlane-rotate-b");
        try (EtcdServer etcd = EtcdServer.start(); EtcdStore store = new EtcdStore(List.of(etcd.endpoint()))) {
            for (Path replica : List.of(a, b)) {
                SharedSecrets.adopt(store, replica, "127.0.0.1");
                SharedStore.remember(replica, List.of(etcd.endpoint()));
            }
            String first = servingIssuer(b);
            cli(0, "rotate-ca", "begin", "--data-dir", a.toString());
            SharedSecrets.adopt(store, b, "127.0.0.1"); // replica b restarts
            assertEquals(Files.readString(a.resolve("ca.crt")), Files.readString(b.resolve("ca.crt")), "b trusts both CAs, as a does");
            assertEquals(2, CaRotation.certificates(b.resolve("ca.crt")).size());
            assertEquals(first, servingIssuer(b), "b still serves with a certificate of the previous CA: old clients verify it");

            cli(0, "rotate-ca", "finish", "--data-dir", a.toString());
            SharedSecrets.adopt(store, b, "127.0.0.1");
            assertEquals(1, CaRotation.certificates(b.resolve("ca.crt")).size());
            assertTrue(servingIssuer(b).startsWith("meshlane-ca-"), "after finish b serves with the new CA: " + servingIssuer(b));
            assertTrue(!Files.exists(b.resolve("ca-previous.key")), "the previous CA's key is gone from every replica");
        } finally {
            TempDirs.delete(a);
            TempDirs.delete(b);
        }
    }

    /** The CA that signed the serving certificate a replica at {@code dir} would present (issued now if absent). */
    private static String servingIssuer(Path dir) throws Exception {
        TlsMaterial tls = TlsMaterial.ensure(dir, "127.0.0.1");
        java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(tls.keyStore())) {
            keys.load(in, tls.keyStorePassword().toCharArray());
        }
        return CaRotation.name(((java.security.cert.X509Certificate) keys.getCertificate("server")).getIssuerX500Principal());
    }

    private static AgentServer start(SqliteStore store, Path dir) {
        return AgentServer.start(store, NodeClients.trust(dir, Duration.ofHours(1)), "127.0.0.1", FreePorts.pick());
    }

    private static void report(ManagedChannel channel, String node) {
        try {
            AgentControlGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS).reportStats(NodeStats.newBuilder()
                    .setNode(node).setCluster("east").setMode("ACCELERATING").setTimestampUnixMs(System.currentTimeMillis()).build());
        } finally {
            channel.shutdownNow();
        }
    }

    private static String issuerOf(SqliteStore store, String node) throws Exception {
        return JSON.readTree(store.get("/registry/meshlane.io/nodeaccelerations/" + node).orElseThrow().value())
                .path("status").path("certificateAuthority").asText();
    }

    private static String cli(int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new ControlCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertEquals(expectedExit, code, String.join(" ", args) + ": " + out + err);
        return out.toString() + err;
    }
}
