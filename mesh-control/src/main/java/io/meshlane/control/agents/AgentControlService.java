package io.meshlane.control.agents;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.api.agent.v1.NodePolicy;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.api.agent.v1.ReportAck;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreException;
import io.meshlane.control.store.StoreInformer;
import io.meshlane.control.store.StoredObject;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * mesh-control's side of the agent link: streams each node its policy (from the store's
 * AccelerationPolicy objects, again after every change) and records the nodes' stats.
 */
final class AgentControlService extends AgentControlGrpc.AgentControlImplBase implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AgentControlService.class.getName());

    private record Watcher(NodeIdentity node, ServerCallStreamObserver<NodePolicy> stream) {
    }

    private final PolicyTable policies = new PolicyTable();
    private final NodeReports reports;
    private final Map<ServerCallStreamObserver<NodePolicy>, Watcher> watchers = new ConcurrentHashMap<>();
    /** Policy changes and the pushes they cause run here, never on the store's publishing thread. */
    private final ExecutorService events = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("agent-policy-events").unstarted(r));
    private final StoreInformer storeWatch;

    AgentControlService(ResourceStore store) {
        this.reports = new NodeReports(store);
        this.storeWatch = StoreInformer.start(store, PolicyTable.PREFIX, events, new StoreInformer.Handler() {
            @Override
            public void upsert(StoredObject object) {
                policies.put(object.key(), object.value(), object.modRevision());
                pushAll();
            }

            @Override
            public void delete(String key, byte[] lastValue, long revision) {
                policies.remove(key, revision);
                pushAll();
            }
        });
        if (!storeWatch.awaitFirstSync(Duration.ofSeconds(30))) {
            close();
            throw new StoreException("the AccelerationPolicy listing did not arrive within 30 s");
        }
    }

    @Override
    public void watchPolicy(NodeIdentity request, StreamObserver<NodePolicy> observer) {
        if (request.getNode().isBlank()) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription("node name is empty").asRuntimeException());
            return;
        }
        ServerCallStreamObserver<NodePolicy> stream = (ServerCallStreamObserver<NodePolicy>) observer;
        Watcher watcher = new Watcher(request, stream);
        stream.setOnCancelHandler(() -> watchers.remove(stream));
        watchers.put(stream, watcher);
        send(watcher);
        LOG.info("agent of node " + request.getNode() + " (cluster " + request.getCluster() + ") connected");
    }

    @Override
    public void reportStats(NodeStats request, StreamObserver<ReportAck> observer) {
        try {
            reports.record(request);
            observer.onNext(ReportAck.getDefaultInstance());
            observer.onCompleted();
        } catch (IllegalArgumentException e) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    Map<String, NodeStats> latestReports() {
        return reports.latest();
    }

    int connectedAgents() {
        return watchers.size();
    }

    private void pushAll() {
        watchers.values().forEach(this::send);
    }

    private void send(Watcher watcher) {
        try {
            synchronized (watcher.stream()) {
                if (!watcher.stream().isCancelled()) {
                    watcher.stream().onNext(policies.forCluster(watcher.node().getCluster()));
                }
            }
        } catch (RuntimeException e) {
            watchers.remove(watcher.stream());
        }
    }

    @Override
    public void close() {
        storeWatch.close();
        events.shutdown();
        watchers.keySet().forEach(s -> {
            try {
                s.onCompleted();
            } catch (RuntimeException ignored) {
                // already gone
            }
        });
    }
}
