package io.meshlane.agent.controlplane;

import io.grpc.ManagedChannel;
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
 * persisted; with the control plane down the agent keeps the last good one. When the node
 * certificate is renewed the link opens a stream on a channel with the new one and drops the old
 * channel only once that stream delivered, so the policy stream never has a gap.
 */
public final class ControlPlaneLink implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ControlPlaneLink.class.getName());
    private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final AgentChannels channels;
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
    /** The channel calls go on; replaced (make before break) when the certificate is renewed. */
    private volatile ManagedChannel channel;
    /** Only the newest stream's end reconnects: older ones end on purpose after a renewal. */
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong renewals = new AtomicLong();
    private java.util.concurrent.ScheduledFuture<?> pendingRenewal;

    /**
     * @param stats builds a report, given the policy version in force (so reports say which policy they ran under)
     */
    public ControlPlaneLink(AgentChannels channels, NodeIdentity identity, Path stateDir, Consumer<PolicyUpdate> onPolicy,
                            Function<String, NodeStats> stats, Duration reportEvery) {
        this.channels = channels;
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

    /** Certificate renewals done under the running stream. */
    public long renewals() {
        return renewals.get();
    }

    private void watch() {
        if (closed) {
            return;
        }
        if (channel == null) {
            try {
                channel = channels.open();
                scheduleRenewal();
            } catch (RuntimeException e) {
                LOG.warning("cannot reach the control plane: " + e.getMessage());
                reconnect("no channel");
                return;
            }
        }
        openStream(channel, null);
    }

    /** Opens a policy stream on {@code on}; once it delivers, {@code previous} (if any) is shut down. */
    private void openStream(ManagedChannel on, ManagedChannel previous) {
        long mine = generation.incrementAndGet();
        AgentControlGrpc.newStub(on).watchPolicy(identity, new StreamObserver<>() {
            private boolean first = true;

            @Override
            public void onNext(NodePolicy message) {
                backoff = MIN_BACKOFF;
                if (first && previous != null) {
                    previous.shutdownNow();
                }
                first = false;
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
                ended(mine, "policy stream failed: " + t.getMessage());
            }

            @Override
            public void onCompleted() {
                ended(mine, "policy stream closed by the control plane");
            }
        });
    }

    private void ended(long streamGeneration, String why) {
        if (streamGeneration != generation.get()) {
            return;
        }
        if (why.contains("UNAUTHENTICATED") || why.contains("PERMISSION_DENIED")) {
            LOG.warning(why);
            ManagedChannel refused = channel;
            channel = null;
            if (refused != null) {
                refused.shutdownNow();
            }
        }
        reconnect(why);
    }

    /** Runs on the link's one timer thread only, so one renewal at most is pending. */
    private void scheduleRenewal() {
        if (pendingRenewal != null) {
            pendingRenewal.cancel(false);
        }
        pendingRenewal = channels.renewAt().map(at -> timer.schedule(this::renew,
                Math.max(0, Duration.between(java.time.Instant.now(), at).toMillis()), TimeUnit.MILLISECONDS)).orElse(null);
    }

    private void renew() {
        if (closed) {
            return;
        }
        try {
            ManagedChannel next = channels.renew();
            ManagedChannel previous = channel;
            channel = next;
            renewals.incrementAndGet();
            openStream(next, previous);
            scheduleRenewal();
        } catch (RuntimeException e) {
            LOG.warning("renewing the node certificate failed (" + e.getMessage() + "); trying again in 5 s");
            pendingRenewal = timer.schedule(this::renew, 5, TimeUnit.SECONDS);
        }
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
        ManagedChannel on = channel;
        if (on == null) {
            return;
        }
        try {
            AgentControlGrpc.newBlockingStub(on).withDeadlineAfter(2, TimeUnit.SECONDS).reportStats(stats.apply(policyVersion));
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
        ManagedChannel last = channel;
        if (last != null) {
            last.shutdownNow();
        }
        channels.close();
    }
}
