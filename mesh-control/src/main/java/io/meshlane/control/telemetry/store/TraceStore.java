package io.meshlane.control.telemetry.store;

import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Spans grouped by trace id, striped by trace id over shards kept in first-seen order, so the
 * oldest trace of the store is the oldest head among the shards.
 */
final class TraceStore {

    /** One trace cannot crowd out all others. */
    static final int MAX_SPANS_PER_TRACE = 5_000;
    private static final int SHARDS = 16;

    /** What adding a span did: stored or not (with why), and the CLIENT/SERVER pair it completed, if any. */
    record Added(boolean stored, String rejection, SpanRecord client, SpanRecord server) {
        static final Added STORED = new Added(true, "", null, null);
    }

    private static final class Entry {
        final long seq;
        final ArrayList<SpanRecord> spans = new ArrayList<>(4);
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        long bytes;

        Entry(long seq) {
            this.seq = seq;
        }
    }

    private static final class Shard {
        final ReentrantLock lock = new ReentrantLock();
        final LinkedHashMap<String, Entry> traces = new LinkedHashMap<>();
    }

    private final Shard[] shards = new Shard[SHARDS];
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder spanCount = new LongAdder();
    private final LongAdder traceCount = new LongAdder();
    private final LongAdder evicted = new LongAdder();

    TraceStore() {
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new Shard();
        }
    }

    private Shard shardOf(String traceId) {
        int h = traceId.hashCode();
        return shards[(h ^ (h >>> 16)) & (SHARDS - 1)];
    }

    Added add(SpanRecord span) {
        Shard shard = shardOf(span.traceId());
        long size = Footprints.span(span);
        shard.lock.lock();
        try {
            Entry e = shard.traces.get(span.traceId());
            if (e == null) {
                e = new Entry(sequence.incrementAndGet());
                shard.traces.put(span.traceId(), e);
                size += 160 + Footprints.string(span.traceId());
                traceCount.increment();
            } else if (e.spans.size() >= MAX_SPANS_PER_TRACE) {
                return new Added(false, "trace " + span.traceId() + " already holds " + MAX_SPANS_PER_TRACE
                        + " spans; split very large traces or sample them", null, null);
            }
            SpanRecord client = null;
            SpanRecord server = null;
            for (SpanRecord other : e.spans) {
                if (other.spanId().equals(span.spanId())) {
                    return new Added(false, "span " + span.spanId() + " of trace " + span.traceId()
                            + " was already received (duplicate)", null, null);
                }
                if (span.kind() == SpanKind.SERVER && other.kind() == SpanKind.CLIENT
                        && other.spanId().equals(span.parentSpanId())) {
                    client = other;
                    server = span;
                } else if (span.kind() == SpanKind.CLIENT && other.kind() == SpanKind.SERVER
                        && other.parentSpanId().equals(span.spanId())) {
                    client = span;
                    server = other;
                }
            }
            e.spans.add(span);
            e.start = Math.min(e.start, span.startEpochNanos());
            e.end = Math.max(e.end, span.endEpochNanos());
            e.bytes += size;
            bytes.add(size);
            spanCount.increment();
            return client == null ? Added.STORED : new Added(true, "", client, server);
        } finally {
            shard.lock.unlock();
        }
    }

    /** Removes the trace seen first; returns the bytes freed, 0 when empty. */
    long evictOldest() {
        Shard oldest = null;
        long oldestSeq = Long.MAX_VALUE;
        for (Shard shard : shards) {
            shard.lock.lock();
            try {
                Iterator<Entry> it = shard.traces.values().iterator();
                if (it.hasNext()) {
                    long seq = it.next().seq;
                    if (seq < oldestSeq) {
                        oldestSeq = seq;
                        oldest = shard;
                    }
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
            Iterator<Map.Entry<String, Entry>> it = oldest.traces.entrySet().iterator();
            if (!it.hasNext()) {
                return 1;
            }
            Entry e = it.next().getValue();
            it.remove();
            bytes.add(-e.bytes);
            spanCount.add(-e.spans.size());
            traceCount.decrement();
            evicted.increment();
            return Math.max(1, e.bytes);
        } finally {
            oldest.lock.unlock();
        }
    }

    Optional<List<SpanRecord>> trace(String traceId) {
        Shard shard = shardOf(traceId);
        shard.lock.lock();
        try {
            Entry e = shard.traces.get(traceId);
            return e == null ? Optional.empty() : Optional.of(List.copyOf(e.spans));
        } finally {
            shard.lock.unlock();
        }
    }

    List<TraceSummary> search(TraceQuery q) {
        long from = q.from().toEpochMilli() * 1_000_000L;
        long to = q.to().toEpochMilli() * 1_000_000L;
        long minNanos = q.minDurationMicros() * 1_000L;
        PriorityQueue<TraceSummary> newest = new PriorityQueue<>(Comparator.comparingLong(TraceSummary::startEpochNanos));
        for (Shard shard : shards) {
            shard.lock.lock();
            try {
                for (Map.Entry<String, Entry> me : shard.traces.entrySet()) {
                    Entry e = me.getValue();
                    if (e.end < from || e.start > to) {
                        continue;
                    }
                    if (newest.size() >= q.limit() && e.start <= newest.peek().startEpochNanos()) {
                        continue;
                    }
                    if (!matches(e, q, minNanos)) {
                        continue;
                    }
                    newest.add(summarize(me.getKey(), e));
                    if (newest.size() > q.limit()) {
                        newest.poll();
                    }
                }
            } finally {
                shard.lock.unlock();
            }
        }
        List<TraceSummary> out = new ArrayList<>(newest);
        out.sort(Comparator.comparingLong(TraceSummary::startEpochNanos).reversed());
        return out;
    }

    private static boolean matches(Entry e, TraceQuery q, long minNanos) {
        for (SpanRecord s : e.spans) {
            if ((q.service().isEmpty() || s.service().service().equals(q.service()))
                    && (q.namespace().isEmpty() || s.service().namespace().equals(q.namespace()))
                    && s.durationNanos() >= minNanos && (!q.errorOnly() || s.failed())) {
                return true;
            }
        }
        return false;
    }

    private static TraceSummary summarize(String traceId, Entry e) {
        Set<String> ids = new HashSet<>();
        for (SpanRecord s : e.spans) {
            ids.add(s.spanId());
        }
        List<SpanRecord> byStart = new ArrayList<>(e.spans);
        byStart.sort(Comparator.comparingLong(SpanRecord::startEpochNanos));
        SpanRecord root = byStart.getFirst();
        for (SpanRecord s : byStart) {
            if (s.parentSpanId().isEmpty() || !ids.contains(s.parentSpanId())) {
                root = s;
                break;
            }
        }
        Set<String> services = new LinkedHashSet<>();
        boolean error = false;
        for (SpanRecord s : byStart) {
            services.add(s.service().service());
            error |= s.failed();
        }
        return new TraceSummary(traceId, root.service().cluster(), root.service().service(), root.name(), e.start,
                e.end - e.start, e.spans.size(), error, List.copyOf(services));
    }

    long bytes() {
        return bytes.sum();
    }

    long spans() {
        return spanCount.sum();
    }

    long traces() {
        return traceCount.sum();
    }

    long evicted() {
        return evicted.sum();
    }
}
