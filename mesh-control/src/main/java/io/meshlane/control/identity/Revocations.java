package io.meshlane.control.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Revoked nodes, kept as {@code revoked-nodes/<cluster>/<node>} (or {@code _all/<node>} for
 * every cluster) holding the revocation time, so that {@code meshlane control node revoke}
 * works beside a running control plane. A revocation refuses every certificate of that node
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

    private final Path dir;
    private final Map<Path, Instant> seen = new HashMap<>();
    private ScheduledExecutorService poll;

    public Revocations(Path dataDir) {
        this.dir = dataDir.resolve("revoked-nodes");
    }

    /** Records the revocation of {@code node} (in {@code cluster}, or in every cluster when empty) as of now. */
    public Revocation revoke(Optional<String> cluster, String node) {
        NodeId.requireName(node, "node");
        cluster.ifPresent(c -> NodeId.requireName(c, "cluster"));
        Revocation revocation = new Revocation(cluster, node, Instant.now());
        Path file = dir.resolve(cluster.orElse(EVERY_CLUSTER)).resolve(node);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(node + ".tmp");
            Files.writeString(tmp, Long.toString(revocation.at().toEpochMilli()));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot record the revocation in " + dir + ": " + e.getMessage(), e);
        }
        return revocation;
    }

    /** Whether {@code caller}'s certificate was issued before a revocation of its node (read from disk now). */
    boolean refuses(NodeCaller caller) {
        return Stream.of(caller.id().cluster(), EVERY_CLUSTER)
                .map(c -> read(dir.resolve(c).resolve(caller.id().node())))
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
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.find(dir, 2, (p, a) -> a.isRegularFile() && !p.getFileName().toString().endsWith(".tmp"))) {
            files.forEach(file -> read(file).ifPresent(at -> {
                if (!at.equals(seen.put(file, at))) {
                    String cluster = file.getParent().getFileName().toString();
                    listener.accept(new Revocation(cluster.equals(EVERY_CLUSTER) ? Optional.empty() : Optional.of(cluster),
                            file.getFileName().toString(), at));
                }
            }));
        } catch (IOException | RuntimeException e) {
            LOG.warning("cannot read the node revocations in " + dir + ": " + e.getMessage());
        }
    }

    private static Optional<Instant> read(Path file) {
        try {
            return Optional.of(Instant.ofEpochMilli(Long.parseLong(Files.readString(file).trim())));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
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
