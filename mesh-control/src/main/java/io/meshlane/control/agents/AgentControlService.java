package io.meshlane.control.agents;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.api.agent.v1.NodePolicy;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.api.agent.v1.ReportAck;
import io.meshlane.control.identity.NodeCaller;
import io.meshlane.control.identity.NodeTrust;
import io.meshlane.control.identity.Revocations;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreException;
import io.meshlane.control.store.StoreInformer;
import io.meshlane.control.store.StoredObject;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * mesh-control's side of the agent link: streams each node its policy (from the store's
 * AccelerationPolicy objects, again after every change) and records the nodes' stats. A caller
 * speaks only for the node its certificate names; anything for another node is refused and logged.
 */
final class AgentControlService extends AgentControlGrpc.AgentControlImplBase implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AgentControlService.class.getName());

    private record Watcher(NodeCaller caller, ServerCallStreamObserver<NodePolicy> stream) {
    }

    private final PolicyTable policies = new PolicyTable();
    private final NodeReports reports;
    private final Map<ServerCallStreamObserver<NodePolicy>, Watcher> watchers = new ConcurrentHashMap<>();
    /** Policy changes and the pushes they cause run here, never on the store's publishing thread. */
    private final ScheduledExecutorService events = Executors.newSingleThreadScheduledExecutor(
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
        NodeCaller caller = NodeTrust.caller().orElseThrow();
        if (!speaksFor(caller, request.getNode(), request.getCluster(), "a policy stream")) {
            observer.onError(Status.PERMISSION_DENIED.withDescription(notYours(caller, request.getNode(), request.getCluster()))
                    .asRuntimeException());
            return;
        }
        ServerCallStreamObserver<NodePolicy> stream = (ServerCallStreamObserver<NodePolicy>) observer;
        Watcher watcher = new Watcher(caller, stream);
        stream.setOnCancelHandler(() -> watchers.remove(stream));
        watchers.put(stream, watcher);
        send(watcher);
        // a stream lives no longer than the certificate it was opened with; the agent opens its next one before
        long untilExpiry = Duration.between(java.time.Instant.now(), caller.expires()).toMillis();
        events.schedule(() -> end(watcher, Status.UNAUTHENTICATED.withDescription("the node certificate this stream was opened"
                + " with expired at " + caller.expires() + "; reconnect with the renewed one")), Math.max(0, untilExpiry), TimeUnit.MILLISECONDS);
        LOG.info("agent of node " + caller.id() + " connected");
    }

    @Override
    public void reportStats(NodeStats request, StreamObserver<ReportAck> observer) {
        NodeCaller caller = NodeTrust.caller().orElseThrow();
        if (!speaksFor(caller, request.getNode(), request.getCluster(), "stats")) {
            observer.onError(Status.PERMISSION_DENIED.withDescription(notYours(caller, request.getNode(), request.getCluster()))
                    .asRuntimeException());
            return;
        }
        try {
            reports.record(request.toBuilder().setCluster(caller.id().cluster()).build(), caller.issuer());
            observer.onNext(ReportAck.getDefaultInstance());
            observer.onCompleted();
        } catch (IllegalArgumentException e) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    /** Ends the open streams of the nodes {@code revocation} covers (new calls are refused by the authentication). */
    void revoke(Revocations.Revocation revocation) {
        watchers.values().stream().filter(w -> revocation.covers(w.caller())).forEach(w -> {
            LOG.warning("node " + w.caller().id() + " was revoked: closing its policy stream");
            end(w, Status.PERMISSION_DENIED.withDescription("node " + w.caller().id() + " was revoked (meshlane control node revoke)"));
        });
    }

    private static boolean speaksFor(NodeCaller caller, String node, String cluster, String what) {
        boolean own = (node.isEmpty() || node.equals(caller.id().node())) && (cluster.isEmpty() || cluster.equals(caller.id().cluster()));
        if (!own) {
            LOG.warning("node " + caller.id() + " sent " + what + " for node " + node + " (cluster " + cluster + "); refused");
        }
        return own;
    }

    private static String notYours(NodeCaller caller, String node, String cluster) {
        return "the certificate of node " + caller.id() + " may speak only for that node, not for node " + node
                + (cluster.isEmpty() ? "" : " (cluster " + cluster + ")");
    }

    private void end(Watcher watcher, Status status) {
        if (watchers.remove(watcher.stream()) == null) {
            return;
        }
        try {
            synchronized (watcher.stream()) {
                watcher.stream().onError(status.asRuntimeException());
            }
        } catch (RuntimeException ignored) {
            // already gone
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
                    watcher.stream().onNext(policies.forCluster(watcher.caller().id().cluster()));
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
