package io.meshlane.control.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshlane.api.agent.v1.Acceleration;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.Counters;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.api.agent.v1.NodePolicy;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.SqliteStore;
import io.meshlane.control.testing.DroppingWatchStore;
import io.meshlane.control.testing.NodeClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent endpoint over real gRPC with node certificates: AccelerationPolicy objects in, node policy streams and NodeAcceleration objects out. */
class AgentServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    @Test
    void streamsPoliciesPerClusterAndStoresNodeReports() throws Exception {
        try (ResourceStore store = SqliteStore.open(data.resolve("store"));
             AgentServer server = AgentServer.start(store, NodeClients.trust(data, Duration.ofHours(1)), "127.0.0.1", 0)) {
            put(store, "shop", "default", "Disabled", null);
            NodeClients clients = new NodeClients(data, server.port());
            ManagedChannel channel = clients.channel(clients.join("east", "node-1"));
            ManagedChannel westChannel = clients.channel(clients.join("west", "node-2"));
            try {
                BlockingQueue<NodePolicy> east = watch(channel, "node-1", "east");
                BlockingQueue<NodePolicy> west = watch(westChannel, "node-2", "west");
                NodePolicy first = east.poll(10, TimeUnit.SECONDS);
                assertNotNull(first, "the current policy arrives on connect");
                assertEquals(Acceleration.DISABLED, first.getNamespaces(0).getAcceleration());
                assertEquals("AccelerationPolicy shop/default", first.getNamespaces(0).getSource());
                assertNotNull(west.poll(10, TimeUnit.SECONDS));

                // a policy for cluster east only reaches east's agents
                put(store, "web", "east-only", "Enabled", "east");
                NodePolicy eastNext = east.poll(10, TimeUnit.SECONDS);
                NodePolicy westNext = west.poll(10, TimeUnit.SECONDS);
                assertEquals(2, eastNext.getNamespacesCount(), eastNext.toString());
                assertEquals(1, westNext.getNamespacesCount(), westNext.toString());

                // Disabled beats Enabled in one namespace
                put(store, "shop", "also", "Enabled", null);
                assertEquals(Acceleration.DISABLED, east.poll(10, TimeUnit.SECONDS).getNamespacesList().stream()
                        .filter(n -> n.getNamespace().equals("shop")).findFirst().orElseThrow().getAcceleration());

                // reports become NodeAcceleration objects
                var stub = AgentControlGrpc.newBlockingStub(channel);
                stub.reportStats(NodeStats.newBuilder().setNode("node-1").setCluster("east").setMode("ACCELERATING")
                        .setTotals(Counters.newBuilder().putValues("connections_accelerated", 42).putValues("pass_loopback", 3))
                        .setTimestampUnixMs(System.currentTimeMillis()).build());
                JsonNode node = JSON.readTree(store.get(NodeReports.PREFIX + "node-1").orElseThrow().value());
                assertEquals("NodeAcceleration", node.path("kind").asText());
                assertEquals(42, node.path("status").path("acceleratedConnections").asLong());
                assertEquals(3, node.path("status").path("passThrough").path("loopback").asLong());
                assertEquals("east", node.path("status").path("cluster").asText());

                // another node's name is refused, and nothing is stored
                StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> stub.reportStats(
                        NodeStats.newBuilder().setNode("Not A Node!").build()));
                assertEquals(Status.Code.PERMISSION_DENIED, bad.getStatus().getCode(), bad.getMessage());
                assertTrue(store.get(NodeReports.PREFIX + "Not A Node!").isEmpty());
            } finally {
                channel.shutdownNow();
                westChannel.shutdownNow();
            }
        }
    }

    @Test
    void aPolicyChangeStillReachesAgentsAfterTheStoreWatchEnds() throws Exception {
        try (DroppingWatchStore store = new DroppingWatchStore(SqliteStore.open(data.resolve("store")));
             AgentServer server = AgentServer.start(store, NodeClients.trust(data, Duration.ofHours(1)), "127.0.0.1", 0)) {
            put(store, "shop", "default", "Enabled", null);
            NodeClients clients = new NodeClients(data, server.port());
            ManagedChannel channel = clients.channel(clients.join("east", "node-1"));
            try {
                BlockingQueue<NodePolicy> agent = watch(channel, "node-1", "east");
                assertEquals(1, agent.poll(10, TimeUnit.SECONDS).getNamespacesCount());

                // as after an etcd connection loss or a compaction past the watch's revision
                assertEquals(1, store.dropWatches(), "the service watches AccelerationPolicies");
                put(store, "web", "later", "Disabled", null);

                NodePolicy next = agent.poll(10, TimeUnit.SECONDS);
                assertNotNull(next, "a policy written after the watch ended never reached the agent");
                assertEquals(Acceleration.DISABLED, next.getNamespacesList().stream()
                        .filter(n -> n.getNamespace().equals("web")).findFirst().orElseThrow().getAcceleration(), next.toString());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static BlockingQueue<NodePolicy> watch(ManagedChannel channel, String node, String cluster) {
        BlockingQueue<NodePolicy> queue = new LinkedBlockingQueue<>();
        AgentControlGrpc.newStub(channel).watchPolicy(NodeIdentity.newBuilder().setNode(node).setCluster(cluster).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(NodePolicy value) {
                        queue.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        return queue;
    }

    private static void put(ResourceStore store, String namespace, String name, String acceleration, String cluster) {
        String clusters = cluster == null ? "" : ",\"clusters\":[\"" + cluster + "\"]";
        String json = "{\"apiVersion\":\"meshlane.io/v1alpha1\",\"kind\":\"AccelerationPolicy\",\"metadata\":{\"namespace\":\""
                + namespace + "\",\"name\":\"" + name + "\"},\"spec\":{\"acceleration\":\"" + acceleration + "\"" + clusters + "}}";
        store.create(PolicyTable.PREFIX + namespace + "/" + name, json.getBytes(StandardCharsets.UTF_8));
    }
}
