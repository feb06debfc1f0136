package io.meshlane.control.telemetry.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Aggregate series striped over shards, each behind its own lock: ingest threads touching
 * different keys rarely meet, and a query holds one shard at a time, only long enough to sum
 * that shard's cells. The number of live keys is capped; a new key beyond the cap is folded into
 * its kind's overflow key.
 */
final class Aggregates {

    private static final int SHARDS = 64;

    /** One change to a cell; returns how many bytes the cell grew by. */
    interface CellUpdate {
        long apply(SlotCell cell);
    }

    private static final class Shard {
        final ReentrantLock lock = new ReentrantLock();
        final HashMap<SeriesKey, Series> series = new HashMap<>();
    }

    private final Shard[] shards = new Shard[SHARDS];
    private final long slotMillis;
    private final int maxSeries;
    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicInteger overflowAlive = new AtomicInteger();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder evictedCells = new LongAdder();

    Aggregates(Duration slotWidth, int maxSeries) {
        this.slotMillis = slotWidth.toMillis();
        this.maxSeries = maxSeries;
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new Shard();
        }
    }

    private Shard shardOf(SeriesKey key) {
        int h = key.hashCode();
        return shards[(h ^ (h >>> 16)) & (SHARDS - 1)];
    }

    /** Applies {@code update} to the key's cell of the slot holding {@code epochMillis}; true when the cap folded it. */
    boolean apply(SeriesKey key, String workload, long epochMillis, CellUpdate update) {
        long slot = Math.floorDiv(epochMillis, slotMillis);
        SeriesKey k = key;
        boolean folded = false;
        long delta = 0;
        while (true) {
            Shard shard = shardOf(k);
            shard.lock.lock();
            try {
                Series s = shard.series.get(k);
                if (s == null) {
                    if (k.isOverflow()) {
                        overflowAlive.incrementAndGet();
                    } else if (alive.incrementAndGet() > maxSeries) {
                        alive.decrementAndGet();
                        k = k.overflow();
                        folded = true;
                        continue;
                    }
                    s = new Series(k);
                    shard.series.put(k, s);
                    delta += s.fixedBytes();
                }
                if (!folded) {
                    delta += s.addWorkload(workload);
                }
                SlotCell cell = s.find(slot);
                if (cell == null) {
                    cell = s.create(slot);
                    delta += SlotCell.BASE_BYTES;
                }
                delta += update.apply(cell) + s.grownBytes;
                s.grownBytes = 0;
            } finally {
                shard.lock.unlock();
            }
            if (delta != 0) {
                bytes.add(delta);
            }
            return folded;
        }
    }

    /**
     * Drops the oldest slot from every series (and series left empty); returns the bytes freed,
     * 0 when nothing is left.
     */
    long evictOldestSlot() {
        long oldest = Long.MAX_VALUE;
        for (Shard shard : shards) {
            shard.lock.lock();
            try {
                for (Series s : shard.series.values()) {
                    oldest = Math.min(oldest, s.oldestSlot());
                }
            } finally {
                shard.lock.unlock();
            }
        }
        if (oldest == Long.MAX_VALUE) {
            return 0;
        }
        long freed = 0;
        long cells = 0;
        for (Shard shard : shards) {
            shard.lock.lock();
            try {
                for (Iterator<Series> it = shard.series.values().iterator(); it.hasNext();) {
                    Series s = it.next();
                    if (s.oldestSlot() > oldest) {
                        continue;
                    }
                    long[] dropped = s.evictThrough(oldest);
                    freed += dropped[0];
                    cells += dropped[1];
                    if (s.cellCount() == 0) {
                        it.remove();
                        freed += s.fixedBytes();
                        for (String w : s.workloads) {
                            freed += Series.workloadBytes(w);
                        }
                        (s.key.isOverflow() ? overflowAlive : alive).decrementAndGet();
                    }
                }
            } finally {
                shard.lock.unlock();
            }
        }
        bytes.add(-freed);
        evictedCells.add(cells);
        return Math.max(freed, 1);
    }

    /** Totals of every key of {@code kinds} over the slots starting in [from, to] (data stamped "now" counts). */
    AggregateSnapshot snapshot(Instant from, Instant to, Set<SeriesKind> kinds) {
        long fromSlot = Math.floorDiv(from.toEpochMilli() + slotMillis - 1, slotMillis);
        long toSlot = Math.floorDiv(to.toEpochMilli(), slotMillis);
        LatencyHistogram.Accumulator acc = new LatencyHistogram.Accumulator();
        List<SeriesTotals> out = new ArrayList<>();
        for (Shard shard : shards) {
            shard.lock.lock();
            try {
                for (Series s : shard.series.values()) {
                    if (!kinds.contains(s.key.kind())) {
                        continue;
                    }
                    SeriesTotals t = total(s, fromSlot, toSlot, acc);
                    if (t != null) {
                        out.add(t);
                    }
                }
            } finally {
                shard.lock.unlock();
            }
        }
        return new AggregateSnapshot(Instant.ofEpochMilli(fromSlot * slotMillis), to, out);
    }

    private static SeriesTotals total(Series s, long fromSlot, long toSlot, LatencyHistogram.Accumulator acc) {
        long requests = 0;
        long errors = 0;
        long opened = 0;
        long closed = 0;
        long sent = 0;
        long received = 0;
        boolean approximate = false;
        boolean any = false;
        for (int i = s.cellCount() - 1; i >= 0; i--) {
            SlotCell c = s.cell(i);
            if (c.slot < fromSlot) {
                break;
            }
            if (c.slot > toSlot) {
                continue;
            }
            any = true;
            requests += c.requests;
            errors += c.errors;
            opened += c.tcpOpened;
            closed += c.tcpClosed;
            sent += c.sentBytes;
            received += c.receivedBytes;
            approximate |= c.approximate;
            if (c.latency != null) {
                acc.add(c.latency);
            }
        }
        if (!any) {
            return null;
        }
        return new SeriesTotals(s.key, s.workloads, requests, errors, approximate, opened, closed, sent, received,
                acc.drain());
    }

    /** One key's cells grouped into {@code step}s over [from, to); all points empty when the key is unknown. */
    ServiceSeries series(SeriesKey key, Instant from, Instant to, Duration step) {
        long stepMillis = step.toMillis();
        long firstStep = Math.floorDiv(from.toEpochMilli(), stepMillis);
        long lastStep = Math.floorDiv(to.toEpochMilli() - 1, stepMillis);
        int steps = (int) (lastStep - firstStep + 1);
        long[] requests = new long[steps];
        long[] errors = new long[steps];
        LatencyHistogram[] latency = new LatencyHistogram[steps];
        Shard shard = shardOf(key);
        shard.lock.lock();
        try {
            Series s = shard.series.get(key);
            for (int i = 0; s != null && i < s.cellCount(); i++) {
                SlotCell c = s.cell(i);
                long at = Math.floorDiv(c.slot * slotMillis, stepMillis) - firstStep;
                if (at < 0 || at >= steps) {
                    continue;
                }
                int p = (int) at;
                requests[p] += c.requests;
                errors[p] += c.errors;
                if (c.latency != null) {
                    if (latency[p] == null) {
                        latency[p] = new LatencyHistogram();
                    }
                    latency[p].add(c.latency);
                }
            }
        } finally {
            shard.lock.unlock();
        }
        List<ServiceSeries.Point> points = new ArrayList<>(steps);
        for (int p = 0; p < steps; p++) {
            points.add(new ServiceSeries.Point((firstStep + p) * stepMillis, requests[p], errors[p],
                    latency[p] == null ? new LatencyHistogram() : latency[p]));
        }
        return new ServiceSeries(key, step, points);
    }

    long bytes() {
        return bytes.sum();
    }

    int alive() {
        return alive.get() + overflowAlive.get();
    }

    long evictedCells() {
        return evictedCells.sum();
    }
}
