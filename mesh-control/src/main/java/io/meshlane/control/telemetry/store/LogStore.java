package io.meshlane.control.telemetry.store;

import io.meshlane.control.telemetry.signals.LogRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/** Log records in arrival order, striped by the ingesting thread so concurrent writers rarely share a lock. */
final class LogStore {

    private static final int SHARDS = 8;

    private record Stored(long seq, LogRecord record, long bytes) {
    }

    private static final class Shard {
        final ReentrantLock lock = new ReentrantLock();
        final ArrayDeque<Stored> records = new ArrayDeque<>();
    }

    private final Shard[] shards = new Shard[SHARDS];
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder count = new LongAdder();
    private final LongAdder evicted = new LongAdder();

    LogStore() {
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new Shard();
        }
    }

    void add(LogRecord r) {
        long size = Footprints.log(r);
        Shard shard = shards[(int) (Thread.currentThread().threadId() & (SHARDS - 1))];
        shard.lock.lock();
        try {
            shard.records.addLast(new Stored(sequence.incrementAndGet(), r, size));
        } finally {
            shard.lock.unlock();
        }
        bytes.add(size);
        count.increment();
    }

    /** Removes the record received first; returns the bytes freed, 0 when empty. */
    long evictOldest() {
        Shard oldest = null;
        long oldestSeq = Long.MAX_VALUE;
        for (Shard shard : shards) {
            shard.lock.lock();
            try {
                Stored head = shard.records.peekFirst();
                if (head != null && head.seq() < oldestSeq) {
                    oldestSeq = head.seq();
                    oldest = shard;
                }
            } finally {
                shard.lock.unlock();
            }
        }
        if (oldest == null) {
            return 0;
        }
        oldest.lock.lock();
        try {
            Stored head = oldest.records.pollFirst();
            if (head == null) {
                return 1;
            }
            bytes.add(-head.bytes());
            count.decrement();
            evicted.increment();
            return Math.max(1, head.bytes());
        } finally {
            oldest.lock.unlock();
        }
    }

    List<LogRecord> search(LogQuery q) {
        long from = q.from().toEpochMilli() * 1_000_000L;
        long to = q.to().toEpochMilli() * 1_000_000L + 999_999L;
        Comparator<LogRecord> byTime = Comparator.comparingLong(LogRecord::epochNanos);
        PriorityQueue<LogRecord> newest = new PriorityQueue<>(byTime);
        for (Shard shard : shards) {
            shard.lock.lock();
            try {
                for (Iterator<Stored> it = shard.records.descendingIterator(); it.hasNext();) {
                    LogRecord r = it.next().record();
                    long t = r.epochNanos();
                    if (t < from || t > to) {
                        continue;
                    }
                    if (newest.size() >= q.limit() && t <= newest.peek().epochNanos()) {
                        continue;
                    }
                    if (!matches(r, q)) {
                        continue;
                    }
                    newest.add(r);
                    if (newest.size() > q.limit()) {
                        newest.poll();
                    }
                }
            } finally {
                shard.lock.unlock();
            }
        }
        List<LogRecord> out = new ArrayList<>(newest);
        out.sort(byTime.reversed());
        return out;
    }

    private static boolean matches(LogRecord r, LogQuery q) {
        return (q.service().isEmpty() || r.source().service().equals(q.service()))
                && (q.namespace().isEmpty() || r.source().namespace().equals(q.namespace()))
                && (q.severity().isEmpty() || r.severity().equalsIgnoreCase(q.severity()))
                && (q.traceId().isEmpty() || r.traceId().equalsIgnoreCase(q.traceId()))
                && (q.text().isEmpty() || containsIgnoreCase(r.body(), q.text()));
    }

    static boolean containsIgnoreCase(String haystack, String needle) {
        int last = haystack.length() - needle.length();
        for (int i = 0; i <= last; i++) {
            if (haystack.regionMatches(true, i, needle, 0, needle.length())) {
                return true;
            }
        }
        return false;
    }

    long bytes() {
        return bytes.sum();
    }

    long count() {
        return count.sum();
    }

    long evicted() {
        return evicted.sum();
    }
}
