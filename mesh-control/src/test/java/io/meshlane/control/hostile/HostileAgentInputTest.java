package io.meshlane.control.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.Counters;
import io.meshlane.api.agent.v1.NodeEnrollmentGrpc;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.api.agent.v1.NodePolicy;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.api.agent.v1.PodStats;
import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.store.SqliteStore;
import io.meshlane.control.testing.FreePorts;
import io.meshlane.control.testing.NodeClients;
import io.meshlane.control.testing.RawGrpc;
import io.meshlane.control.testing.TempDirs;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agents' endpoint against inputs meant to hurt it: a signing request forging another node,
 * stats for another node, stats for a million pods, a report far beyond any real node, garbage
 * where protobuf should be. Each gets a clear gRPC status, a well-behaved agent keeps its policy
 * stream and its reports meanwhile, nothing stored changes, and the heap does not keep what was sent.
 */
@Timeout(120)
class HostileAgentInputTest {
    private static final long MB = 1024 * 1024;

    @Test
    void eachAttackGetsAClearStatusAndAWellBehavedAgentKeepsBeingServed() throws Exception {
        Path dir = Files.createTempDirectory("hostile-agents");
        try (SqliteStore store = SqliteStore.open(dir.resolve("store"));
             AgentServer server = AgentServer.start(store, NodeClients.trust(dir, Duration.ofHours(1)), "127.0.0.1", FreePorts.pick())) {
            NodeClients clients = new NodeClients(dir, server.port());
            ManagedChannel good = clients.channel(clients.join("east", "node-good"));
            ManagedChannel attacker = clients.channel(clients.join("east", "node-bad"));
            try {
                Iterator<NodePolicy> policy = AgentControlGrpc.newBlockingStub(good)
                        .watchPolicy(NodeIdentity.newBuilder().setNode("node-good").setCluster("east").build());
                assertNotNull(policy.next(), "the well-behaved agent's policy stream opens");
                report(good, stats("node-good", 3));
                long revision = store.revision();
                long heapBefore = heapAfterGc();

                String token = clients.token("east");
                StatusRuntimeException forged = assertThrows(StatusRuntimeException.class,
                        () -> clients.join(token, "east", "node-a", "node-good"));
                assertStatus(forged, Status.Code.INVALID_ARGUMENT, "names node node-good");
                assertEquals("node-a", clients.join(token, "east", "node-a").certificate().getSubjectX500Principal().getName()
                        .replaceAll(".*CN=([^,]+).*", "$1"), "a refused forgery does not use up the join token");

                assertStatus(assertThrows(StatusRuntimeException.class, () -> report(attacker, stats("node-good", 1))),
                        Status.Code.PERMISSION_DENIED, "node-good");

                // built inside the call, so the test's own copy is garbage when the heap is measured again
                assertStatus(assertThrows(StatusRuntimeException.class, () -> report(attacker, withPods(1_000_000))),
                        Status.Code.RESOURCE_EXHAUSTED, "");
                assertStatus(assertThrows(StatusRuntimeException.class, () -> report(attacker, withPods(50_000))),
                        Status.Code.INVALID_ARGUMENT, "at most 5000");

                Counters.Builder many = Counters.newBuilder();
                for (int i = 0; i < 10_000; i++) {
                    many.putValues("c" + i, i);
                }
                assertStatus(assertThrows(StatusRuntimeException.class,
                        () -> report(attacker, stats("node-bad", 1).toBuilder().setTotals(many).build())), Status.Code.INVALID_ARGUMENT, "counters");

                byte[] garbage = new byte[64 * 1024];
                new Random(7).nextBytes(garbage);
                for (var method : new String[] {AgentControlGrpc.getReportStatsMethod().getFullMethodName(),
                        NodeEnrollmentGrpc.getJoinMethod().getFullMethodName()}) {
                    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> RawGrpc.call(attacker, method, garbage));
                    assertTrue(e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT && e.getStatus().getDescription().contains("not a valid"),
                            method + " answers garbage with a clear status, not " + e.getStatus());
                }

                StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class,
                        () -> report(clients.channel(null), stats("node-good", 1)));
                assertStatus(anonymous, Status.Code.UNAUTHENTICATED, "");

                assertEquals(revision, store.revision(), "no attack changed anything stored");
                report(good, stats("node-good", 4));
                assertEquals(4, server.latestReports().get("node-good").getNamespacesCount(), "the good agent's report still lands");
                assertTrue(store.revision() > revision, "and is stored");
                long grown = heapAfterGc() - heapBefore;
                assertTrue(grown < 32 * MB, "the heap kept " + grown / MB + " MiB of what the attacks sent");
            } finally {
                good.shutdownNow();
                attacker.shutdownNow();
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static NodeStats stats(String node, int namespaces) {
        NodeStats.Builder stats = NodeStats.newBuilder().setNode(node).setCluster("east").setMode("ACCELERATING")
                .setTimestampUnixMs(System.currentTimeMillis());
        for (int i = 0; i < namespaces; i++) {
            stats.addNamespacesBuilder().setNamespace("ns-" + i).setAccelerated(true).setPods(1);
        }
        return stats.build();
    }

    private static NodeStats withPods(int pods) {
        NodeStats.Builder stats = stats("node-bad", 0).toBuilder();
        for (int i = 0; i < pods; i++) {
            stats.addPods(PodStats.newBuilder().setNamespace("ns").setName("p" + i));
        }
        return stats.build();
    }

    private static void report(ManagedChannel channel, NodeStats stats) {
        AgentControlGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS).reportStats(stats);
    }

    private static void assertStatus(StatusRuntimeException e, Status.Code code, String says) {
        assertEquals(code, e.getStatus().getCode(), "status of " + e.getStatus());
        String description = String.valueOf(e.getStatus().getDescription());
        assertTrue(description.contains(says), "the status says " + says + ": " + description);
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
