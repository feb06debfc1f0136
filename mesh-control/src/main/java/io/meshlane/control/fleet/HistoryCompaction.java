package io.meshlane.control.fleet;

import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Drops store history older than {@code keep}, on the leader only (one compaction for the fleet, not
 * one per replica): a watch that resumes from a resourceVersion younger than that gets no 410.
 */
public final class HistoryCompaction implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HistoryCompaction.class.getName());

    private record Mark(long nanos, long revision) {
    }

    private final ResourceStore store;
    private final BooleanSupplier leader;
    private final long keepNanos;
    private final Deque<Mark> marks = new ArrayDeque<>();
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("history-compaction").factory());

    private HistoryCompaction(ResourceStore store, BooleanSupplier leader, Duration keep) {
        this.store = store;
        this.leader = leader;
        this.keepNanos = keep.toNanos();
    }

    public static HistoryCompaction start(ResourceStore store, BooleanSupplier leader, Duration keep, Duration every) {
        HistoryCompaction c = new HistoryCompaction(store, leader, keep);
        c.timer.scheduleWithFixedDelay(c::tick, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return c;
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            marks.addLast(new Mark(now, store.revision()));
            Mark due = null;
            while (!marks.isEmpty() && now - marks.peekFirst().nanos() >= keepNanos) {
                due = marks.removeFirst();
            }
            if (due != null && leader.getAsBoolean()) {
                store.compact(due.revision());
                LOG.fine("compacted the store's history to revision " + due.revision());
            }
        } catch (StoreException e) {
            LOG.fine("history compaction skipped: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
