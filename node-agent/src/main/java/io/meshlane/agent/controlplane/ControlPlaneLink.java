package io.meshlane.agent.controlplane;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.api.agent.v1.NodePolicy;
import io.meshlane.api.agent.v1.NodeStats;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The agent's gRPC link to mesh-control: a policy stream, reopened with jittered exponential
 * backoff whenever it ends, and a stats report every few seconds. Valid policies are
 * persisted; with the control plane down the agent keeps the last good one.
 */
public final class ControlPlaneLink implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ControlPlaneLink.class.getName());
    private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final ManagedChannel channel;
    private final NodeIdentity identity;
    private final PolicyFile policyFile;
    private final Consumer<PolicyUpdate> onPolicy;
    private final Function<String, NodeStats> stats;
    private final Duration reportEvery;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("control-plane-link").factory());
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong reportsSent = new AtomicLong();
    private final AtomicLong reportsFailed = new AtomicLong();
    private volatile Duration backoff = MIN_BACKOFF;
    private volatile String policyVersion = "";
    private volatile boolean closed;

    /**
     * @param stats builds a report, given the policy version in force (so reports say which policy they ran under)
     */
    public ControlPlaneLink(String target, NodeIdentity identity, Path stateDir, Consumer<PolicyUpdate> onPolicy,
                            Function<String, NodeStats> stats, Duration reportEvery) {
        this.channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
        this.identity = identity;
        this.policyFile = new PolicyFile(stateDir);
        this.onPolicy = onPolicy;
        this.stats = stats;
        this.reportEvery = reportEvery;
    }

    public void start() {
        policyFile.load().ifPresent(last -> {
            LOG.info("applying the last policy kept on this node (version " + last.version() + ")");
            policyVersion = last.version();
            onPolicy.accept(last);
        });
        timer.execute(this::watch);
        timer.scheduleWithFixedDelay(this::report, reportEvery.toMillis(), reportEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    public String policyVersion() {
        return policyVersion;
    }

    /** Policies refused as malformed. */
    public long rejectedPolicies() {
        return rejected.get();
    }

    public long reportsSent() {
        return reportsSent.get();
    }

    public long reportsFailed() {
        return reportsFailed.get();
    }

    private void watch() {
        if (closed) {
            return;
        }
        AgentControlGrpc.newStub(channel).watchPolicy(identity, new StreamObserver<>() {
            @Override
            public void onNext(NodePolicy message) {
                backoff = MIN_BACKOFF;
                PolicyUpdate update;
                try {
                    update = PolicyUpdate.from(message);
                } catch (IllegalArgumentException e) {
                    rejected.incrementAndGet();
                    LOG.warning("rejected policy version " + message.getVersion() + " from the control plane: "
                            + e.getMessage() + "; keeping version " + policyVersion);
                    return;
                }
                policyVersion = update.version();
                policyFile.save(update);
                onPolicy.accept(update);
            }

            @Override
            public void onError(Throwable t) {
                reconnect("policy stream failed: " + t.getMessage());
            }

            @Override
            public void onCompleted() {
                reconnect("policy stream closed by the control plane");
            }
        });
    }

    private void reconnect(String why) {
        if (closed) {
            return;
        }
        Duration wait = backoff;
        backoff = wait.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait.multipliedBy(2);
        long jittered = wait.toMillis() / 2 + ThreadLocalRandom.current().nextLong(wait.toMillis() / 2 + 1);
        LOG.fine(why + "; reconnecting in " + jittered + " ms");
        timer.schedule(this::watch, jittered, TimeUnit.MILLISECONDS);
    }

    private void report() {
        try {
            AgentControlGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS).reportStats(stats.apply(policyVersion));
            reportsSent.incrementAndGet();
        } catch (RuntimeException e) {
            reportsFailed.incrementAndGet();
            LOG.fine("stats report failed (control plane unreachable?): " + e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        channel.shutdownNow();
    }
}
