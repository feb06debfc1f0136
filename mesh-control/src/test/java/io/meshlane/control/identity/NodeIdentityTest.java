package io.meshlane.control.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.api.agent.v1.NodePolicy;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.SqliteStore;
import io.meshlane.control.testing.NodeClients;
import io.meshlane.control.testing.NodeClients.Enrolled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may talk on the agents' endpoint, over real grpc-java TLS: join tokens, node certificates, revocation. */
class NodeIdentityTest {

    private static final String NODES = "/registry/meshlane.io/nodeaccelerations/";

    @TempDir
    Path data;
    ResourceStore store;
    AgentServer server;
    NodeClients clients;

    @BeforeEach
    void start() {
        store = SqliteStore.open(data.resolve("store"));
        server = AgentServer.start(store, NodeClients.trust(data, Duration.ofHours(1)), "127.0.0.1", 0);
        clients = new NodeClients(data, server.port());
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    @Test
    void withoutACertificateNoPolicyStreamOpens() throws Exception {
        ManagedChannel anonymous = clients.channel(null);
        try {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> AgentControlGrpc.newBlockingStub(anonymous)
                    .watchPolicy(identity("node-1", "local")).next());
            assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
            assertTrue(refused.getStatus().getDescription().contains("join token"), refused.getMessage());
            assertEquals(0, server.connectedAgents());
        } finally {
            anonymous.shutdownNow();
        }
    }

    @Test
    void aJoinTokenWorksOnceForItsClusterAndScopeOnly() throws Exception {
        String token = clients.token("east");
        assertEquals(Status.Code.UNAUTHENTICATED, joinFails("bogus.token", "east", "node-1").getCode());
        assertEquals(Status.Code.PERMISSION_DENIED, joinFails(token, "west", "node-1").getCode(), "the token is for east");
        // a token refused for its cluster is used up as well: nobody may retry it as another cluster
        assertEquals(Status.Code.UNAUTHENTICATED, joinFails(token, "east", "node-1").getCode());

        String fresh = clients.token("east");
        Enrolled node = clients.join(fresh, "east", "node-1");
        assertEquals(Status.Code.UNAUTHENTICATED, joinFails(fresh, "east", "node-2").getCode(), "one-time");
        assertTrue(node.certificate().getSubjectX500Principal().getName().contains("CN=node-1"));
        assertTrue(node.certificate().getSubjectX500Principal().getName().contains("OU=east"));
        assertEquals("spiffe://cluster.local/cluster/east/node/node-1",
                node.certificate().getSubjectAlternativeNames().iterator().next().get(1));
        long lifetime = node.certificate().getNotAfter().getTime() - node.certificate().getNotBefore().getTime();
        assertEquals(Duration.ofHours(1).toMillis(), lifetime);

        String expired = new JoinTokens(data).create("east", Duration.ofMillis(1), JoinToken.Scope.agent);
        Thread.sleep(20);
        assertEquals(Status.Code.UNAUTHENTICATED, joinFails(expired, "east", "node-3").getCode());
        String telemetry = new JoinTokens(data).create("east", Duration.ofHours(1), JoinToken.Scope.telemetry);
        assertEquals(Status.Code.PERMISSION_DENIED, joinFails(telemetry, "east", "node-3").getCode());

        try (var files = Files.list(data.resolve("join-tokens"))) {
            files.forEach(f -> {
                try {
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
                    assertFalse(Files.readString(f).contains(fresh.substring(9)), "only the secret's hash is stored");
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    @Test
    void aCertificateForNodeAReportsAndWatchesOnlyNodeA() throws Exception {
        ManagedChannel a = clients.channel(clients.join("local", "node-a"));
        try {
            var stub = AgentControlGrpc.newBlockingStub(a).withDeadlineAfter(10, TimeUnit.SECONDS);
            StatusRuntimeException forged = assertThrows(StatusRuntimeException.class,
                    () -> stub.reportStats(stats("node-b", "local")));
            assertEquals(Status.Code.PERMISSION_DENIED, forged.getStatus().getCode());
            assertTrue(store.get(NODES + "node-b").isEmpty(), "nothing is stored for node B");
            assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
                    () -> stub.reportStats(stats("node-a", "other-cluster"))).getStatus().getCode());
            assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
                    () -> AgentControlGrpc.newBlockingStub(a).watchPolicy(identity("node-b", "local")).next()).getStatus().getCode());

            stub.reportStats(stats("node-a", ""));
            assertTrue(new String(store.get(NODES + "node-a").orElseThrow().value()).contains("\"cluster\":\"local\""),
                    "the cluster comes from the certificate");
            assertNotNull(AgentControlGrpc.newBlockingStub(a).watchPolicy(identity("node-a", "local")).next());

            Enrolled current = clients.join("local", "node-c");
            assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
                    () -> clients.renew(current, "node-a")).getStatus().getCode(), "a CSR naming another node is refused");
            Enrolled renewed = clients.renew(current, "node-c");
            assertTrue(renewed.certificate().getSubjectX500Principal().getName().contains("CN=node-c"));
        } finally {
            a.shutdownNow();
        }
    }

    @Test
    void aRevokedNodeIsCutOffAtOnceAndMayOnlyJoinAgainWithANewToken() throws Exception {
        Enrolled node = clients.join("local", "node-r");
        ManagedChannel channel = clients.channel(node);
        ManagedChannel other = clients.channel(clients.join("local", "node-s"));
        try {
            CompletableFuture<Status> ended = watch(channel, "node-r");
            CompletableFuture<Status> untouched = watch(other, "node-s");
            await(() -> server.connectedAgents() == 2);

            new Revocations(data).revoke(Optional.empty(), "node-r");
            Status status = ended.get(5, TimeUnit.SECONDS);
            assertEquals(Status.Code.PERMISSION_DENIED, status.getCode(), status.toString());
            assertFalse(untouched.isDone(), "another node's stream stays open");
            assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
                    () -> AgentControlGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                            .reportStats(stats("node-r", "local"))).getStatus().getCode());
            assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
                    () -> clients.renew(node, "node-r")).getStatus().getCode(), "a revoked node cannot renew its way back");

            Thread.sleep(1100); // certificates carry whole seconds: the next one is issued after the revocation
            ManagedChannel rejoined = clients.channel(clients.join("local", "node-r"));
            try {
                assertNotNull(AgentControlGrpc.newBlockingStub(rejoined).watchPolicy(identity("node-r", "local")).next());
            } finally {
                rejoined.shutdownNow();
            }
        } finally {
            channel.shutdownNow();
            other.shutdownNow();
        }
    }

    private Status joinFails(String token, String cluster, String node) {
        return assertThrows(StatusRuntimeException.class, () -> clients.join(token, cluster, node)).getStatus();
    }

    private static CompletableFuture<Status> watch(ManagedChannel channel, String node) {
        CompletableFuture<Status> ended = new CompletableFuture<>();
        AgentControlGrpc.newStub(channel).watchPolicy(identity(node, "local"), new StreamObserver<>() {
            @Override
            public void onNext(NodePolicy value) {
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        });
        return ended;
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (long end = System.nanoTime() + 10_000_000_000L; !condition.getAsBoolean(); Thread.sleep(20)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within 10 s");
            }
        }
    }

    private static NodeIdentity identity(String node, String cluster) {
        return NodeIdentity.newBuilder().setNode(node).setCluster(cluster).build();
    }

    private static NodeStats stats(String node, String cluster) {
        return NodeStats.newBuilder().setNode(node).setCluster(cluster).setMode("ACCELERATING")
                .setTimestampUnixMs(System.currentTimeMillis()).build();
    }
}
