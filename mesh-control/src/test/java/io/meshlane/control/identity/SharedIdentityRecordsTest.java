package io.meshlane.control.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.cli.ControlCommand;
import io.meshlane.control.fleet.SharedStore;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.testing.EtcdServer;
import io.meshlane.control.testing.TempDirs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What an operator of replicas on etcd relies on: a join token made with {@code meshlane control
 * token create} beside one replica joins through another, once only, and {@code node revoke}
 * beside one is refused by all; a single control plane keeps both in its data directory.
 */
class SharedIdentityRecordsTest {

    @Test
    void tokensAndRevocationsMadeBesideOneReplicaHoldOnEveryReplica() throws Exception {
        Path a = Files.createTempDirectory("meshlane-replica-a");
        Path b = Files.createTempDirectory("meshlane-replica-b");
        try (EtcdServer etcd = EtcdServer.start()) {
            List<String> endpoints = List.of(etcd.endpoint());
            SharedStore.remember(a, endpoints);
            SharedStore.remember(b, endpoints);

            String token = cli("token", "create", "--cluster", "east", "--ttl", "10m", "--data-dir", a.toString());
            try (ResourceStore bStore = SharedStore.of(b).orElseThrow()) {
                IdentityRecords onB = IdentityRecords.of(b, Optional.of(bStore));
                Optional<JoinToken> joined = onB.tokens().consume(token);
                assertEquals("east", joined.orElseThrow().cluster(), "a token made beside replica a joins through replica b");
                assertTrue(onB.tokens().consume(token).isEmpty(), "a join token is one-time across replicas");
                try (Revocations onA = IdentityRecords.of(a, SharedStore.of(a)).revocations()) {
                    assertFalse(onA.refuses(caller("east", "node-7")), "not revoked yet");
                }

                cli("node", "revoke", "node-7", "--cluster", "east", "--data-dir", a.toString());
                assertTrue(onB.revocations().refuses(caller("east", "node-7")), "replica b refuses a node revoked beside replica a");
                assertFalse(onB.revocations().refuses(caller("west", "node-7")), "the revocation names one cluster");
            }
            assertFalse(Files.exists(a.resolve("join-tokens")) && Files.list(a.resolve("join-tokens")).findAny().isPresent(),
                    "on etcd no token is left as a file in one replica's directory");
        } finally {
            TempDirs.delete(a);
            TempDirs.delete(b);
        }
    }

    @Test
    void aSingleControlPlaneKeepsThemInItsDataDirectory() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-single");
        try {
            String token = cli("token", "create", "--cluster", "east", "--data-dir", dir.toString());
            assertTrue(Files.list(dir.resolve("join-tokens")).findAny().isPresent(), "the token's record is a file in the data directory");
            assertEquals("east", IdentityRecords.of(dir, SharedStore.of(dir)).tokens().consume(token).orElseThrow().cluster());
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static NodeCaller caller(String cluster, String node) {
        Instant issued = Instant.now().minusSeconds(60);
        return new NodeCaller(new NodeId(cluster, node), issued, issued.plusSeconds(86_400), "meshlane-ca");
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new ControlCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertEquals(0, code, String.join(" ", args) + " failed: " + err);
        return out.toString().trim();
    }
}
