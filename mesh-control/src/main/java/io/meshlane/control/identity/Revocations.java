package io.meshlane.control.identity;

import io.meshlane.control.store.ResourceStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.logging.Logger;

/**
 * Revoked nodes, kept as {@code revoked-nodes/<cluster>/<node>} (or {@code _all/<node>} for
 * every cluster) holding the revocation time, so that {@code meshlane control node revoke}
 * works beside a running control plane, or (replicas on etcd) as keys in the shared store, so that a
 * revocation made through one replica refuses the node on every replica. A revocation refuses every certificate of that node
 * issued up to that time; a node that joins again afterwards (with a new token) is accepted.
 */
public final class Revocations implements AutoCloseable {

    /** One revocation: {@code cluster} empty means the node in every cluster. */
    public record Revocation(Optional<String> cluster, String node, Instant at) {
        public boolean covers(NodeCaller caller) {
            return node.equals(caller.id().node()) && cluster.map(caller.id().cluster()::equals).orElse(true)
                    && !caller.issued().isAfter(at);
        }
    }

    private static final Logger LOG = Logger.getLogger(Revocations.class.getName());
    private static final String EVERY_CLUSTER = "_all";

    private final Records records;
    private final Map<String, Instant> seen = new HashMap<>();
    private ScheduledExecutorService poll;

    public Revocations(Path dataDir) {
        this.records = new FileRecords(dataDir.resolve("revoked-nodes"));
    }

    /** Revocations every replica sharing {@code store} sees. */
    public Revocations(ResourceStore store) {
        this.records = new StoreRecords(store, "/meshlane/identity/revoked-nodes/");
    }

    /** Records the revocation of {@code node} (in {@code cluster}, or in every cluster when empty) as of now. */
    public Revocation revoke(Optional<String> cluster, String node) {
        NodeId.requireName(node, "node");
        cluster.ifPresent(c -> NodeId.requireName(c, "cluster"));
        Revocation revocation = new Revocation(cluster, node, Instant.now());
        try {
            records.put(cluster.orElse(EVERY_CLUSTER) + "/" + node, Long.toString(revocation.at().toEpochMilli()));
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot record the revocation in " + records.where() + ": " + e.getMessage(), e);
        }
        return revocation;
    }

    /** Whether {@code caller}'s certificate was issued before a revocation of its node (read now). */
    boolean refuses(NodeCaller caller) {
        return Stream.of(caller.id().cluster(), EVERY_CLUSTER)
                .map(c -> read(c + "/" + caller.id().node()))
                .flatMap(Optional::stream)
                .anyMatch(at -> !caller.issued().isAfter(at));
    }

    /** Calls {@code listener} (on a background thread) for each revocation written from now on. */
    synchronized void follow(Consumer<Revocation> listener) {
        scan(r -> { });
        poll = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("node-revocations").factory());
        poll.scheduleWithFixedDelay(() -> scan(listener), 250, 250, TimeUnit.MILLISECONDS);
    }

    private synchronized void scan(Consumer<Revocation> listener) {
        try {
            for (String name : records.names()) {
                read(name).ifPresent(at -> {
                    if (!at.equals(seen.put(name, at))) {
                        String cluster = name.substring(0, name.indexOf('/'));
                        listener.accept(new Revocation(cluster.equals(EVERY_CLUSTER) ? Optional.empty() : Optional.of(cluster),
                                name.substring(name.indexOf('/') + 1), at));
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.warning("cannot read the node revocations in " + records.where() + ": " + e.getMessage());
        }
    }

    private Optional<Instant> read(String name) {
        try {
            return records.get(name).map(v -> Instant.ofEpochMilli(Long.parseLong(v.trim())));
        } catch (NumberFormatException | java.io.UncheckedIOException e) {
            // unreadable counts as revoked since ever: refusing is the safe side
            return Optional.of(Instant.MAX);
        }
    }

    @Override
    public synchronized void close() {
        if (poll != null) {
            poll.shutdownNow();
        }
    }
}
