package io.meshlane.control.telemetry.store;

import io.meshlane.control.telemetry.signals.CounterSample;
import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TcpSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything the control plane knows of its mesh's traffic, bounded by the memory budget.
 *
 * <p>The budget is split so no signal starves another: aggregates 40%, traces 40%, logs 20%.
 * When a kind is over its share after a batch, its oldest data goes first (the oldest time slot
 * of every aggregate series, the trace seen first, the log record received first) and the
 * eviction is counted. Sizes are conservative estimates (see {@link Footprints}).
 *
 * <p>Thread-safe. Ingest and queries share only per-shard locks, held for one update or for
 * summing one shard; eviction runs on at most one ingest thread at a time.
 */
public final class TelemetryStore implements AutoCloseable {

    /** Samples further in the future than this are a clock problem at the sender, not data. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);
    private static final Set<SeriesKind> ALL_KINDS = EnumSet.allOf(SeriesKind.class);

    private final TelemetryConfig config;
    private final Clock clock;
    private final Aggregates aggregates;
    private final SignalRecorder recorder;
    private final TraceStore traces = new TraceStore();
    private final LogStore logs = new LogStore();
    private final AppCounters counters;
    private final long aggregateBudget;
    private final long traceBudget;
    private final long logBudget;
    private final ReentrantLock evicting = new ReentrantLock();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder capped = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();

    public TelemetryStore(TelemetryConfig config, Clock clock) {
        if (config == null || clock == null) {
            throw new IllegalArgumentException("telemetry store needs a config and a clock");
        }
        if (config.memoryBudgetBytes() < 64 * 1024) {
            throw new IllegalArgumentException("telemetry memoryBudgetBytes must be at least 65536, got "
                    + config.memoryBudgetBytes());
        }
        if (config.maxSeries() < 1) {
            throw new IllegalArgumentException("telemetry maxSeries must be at least 1, got " + config.maxSeries());
        }
        if (config.bucketWidth() == null || config.bucketWidth().toMillis() < 1) {
            throw new IllegalArgumentException("telemetry bucketWidth must be at least 1ms, got " + config.bucketWidth());
        }
        this.config = config;
        this.clock = clock;
        this.aggregates = new Aggregates(config.bucketWidth(), config.maxSeries());
        this.recorder = new SignalRecorder(aggregates, config.localCluster() == null ? "" : config.localCluster());
        this.counters = new AppCounters(config.bucketWidth().toMillis(), config.maxSeries());
        this.aggregateBudget = config.memoryBudgetBytes() * 4 / 10;
        this.traceBudget = config.memoryBudgetBytes() * 4 / 10;
        this.logBudget = config.memoryBudgetBytes() - aggregateBudget - traceBudget;
    }

    public TelemetryConfig config() {
        return config;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * Stores a batch. Each item is checked on its own: a bad item is refused (counted, the first
     * reason kept for OTLP partial success) and the rest of the batch is still stored. Never
     * blocks on queries beyond a per-shard lock.
     */
    public IngestOutcome accept(TelemetryBatch batch) {
        // a batch holds no null items: TelemetryBatch copies its lists with List.copyOf
        if (batch == null) {
            rejected.increment();
            return new IngestOutcome(0, 1, 0, "batch is null");
        }
        if (closed.get()) {
            rejected.add(batch.size());
            return new IngestOutcome(0, batch.size(), 0, "telemetry store is closed");
        }
        Tally tally = new Tally(clock.millis());
        for (RequestSample r : batch.requests()) {
            String why = tally.check(checkRequest(r), r.epochMillis());
            if (why == null) {
                tally.stored(recorder.request(r));
            }
        }
        for (RequestBuckets b : batch.requestBuckets()) {
            String why = tally.check(checkBuckets(b), b.epochMillis());
            if (why == null) {
                tally.stored(recorder.buckets(b));
            }
        }
        for (TcpSample t : batch.tcp()) {
            String why = tally.check(checkTcp(t), t.epochMillis());
            if (why == null) {
                tally.stored(recorder.tcp(t));
            }
        }
        for (SpanRecord s : batch.spans()) {
            String why = tally.check(checkSpan(s), s.endEpochNanos() / 1_000_000L);
            if (why != null) {
                continue;
            }
            SpanRecord span = normalized(s);
            TraceStore.Added added = traces.add(span);
            if (!added.stored()) {
                tally.check(added.rejection(), tally.now);
                continue;
            }
            tally.stored(recorder.span(span, added));
        }
        for (LogRecord l : batch.logs()) {
            String why = tally.check(checkLog(l), l.epochNanos() / 1_000_000L);
            if (why == null) {
                logs.add(normalized(l));
                tally.stored(0);
            }
        }
        for (CounterSample c : batch.counters()) {
            String why = tally.check(checkCounter(c), c.epochMillis());
            if (why == null) {
                if (counters.add(recorder.withCluster(c.emitter()), c)) {
                    tally.stored(0);
                } else {
                    tally.check("counter " + c.name() + " of " + c.emitter().service() + " is beyond the " + config.maxSeries()
                            + " application counters kept; drop unused counters or raise maxSeries", tally.now);
                }
            }
        }
        accepted.add(tally.accepted);
        rejected.add(tally.rejected);
        capped.add(tally.capped);
        enforceBudget();
        return new IngestOutcome(tally.accepted, tally.rejected, tally.capped, tally.first == null ? "" : tally.first);
    }

    /** Counts of one accept call. */
    private static final class Tally {
        final long now;
        long accepted;
        long rejected;
        long capped;
        String first;

        Tally(long now) {
            this.now = now;
        }

        /** Returns the reason the item is refused (and counts it), or null when it is fine. */
        String check(String why, long epochMillis) {
            if (why == null && epochMillis > now + MAX_CLOCK_SKEW.toMillis()) {
                why = "timestamp " + Instant.ofEpochMilli(epochMillis) + " is more than " + MAX_CLOCK_SKEW.toMinutes()
                        + " minutes ahead of the control plane's clock (" + Instant.ofEpochMilli(now)
                        + "); fix the sender's clock";
            }
            if (why == null && epochMillis < 0) {
                why = "timestamp " + epochMillis + " is before 1970; send epoch milliseconds/nanoseconds";
            }
            if (why != null) {
                rejected++;
                if (first == null) {
                    first = why;
                }
            }
            return why;
        }

        void stored(int folded) {
            accepted++;
            if (folded > 0) {
                capped++;
            }
        }
    }

    private static String checkPeers(Peer source, Peer destination, String what) {
        if (source == null || destination == null) {
            return what + " needs a source and a destination peer (use Peer.UNKNOWN for an unknown caller)";
        }
        if (destination.isUnknown()) {
            return what + " from " + source + " has no destination service or workload; label the destination";
        }
        return null;
    }

    private static String checkRequest(RequestSample r) {
        String why = checkPeers(r.source(), r.destination(), "request sample");
        if (why == null && r.durationMicros() < 0) {
            why = "request sample duration " + r.durationMicros() + "µs is negative";
        }
        if (why == null && r.operation() == null) {
            why = "request sample operation is null (use \"\")";
        }
        return why;
    }

    private static String checkBuckets(RequestBuckets b) {
        String why = checkPeers(b.source(), b.destination(), "request buckets");
        if (why != null) {
            return why;
        }
        double[] bounds = b.upperBoundsMillis();
        long[] counts = b.counts();
        if (bounds == null || counts == null || counts.length != bounds.length + 1) {
            return "request buckets need counts one longer than upperBoundsMillis (the last is the overflow bucket), got "
                    + (bounds == null ? "null" : bounds.length) + " bounds and " + (counts == null ? "null" : counts.length)
                    + " counts";
        }
        for (int i = 0; i < bounds.length; i++) {
            if (!(bounds[i] >= 0) || Double.isInfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
                return "request buckets' upperBoundsMillis must be finite, non-negative and increasing; bound " + i
                        + " is " + bounds[i];
            }
        }
        for (long c : counts) {
            if (c < 0) {
                return "request buckets' counts must not be negative, got " + c;
            }
        }
        return null;
    }

    private static String checkTcp(TcpSample t) {
        String why = checkPeers(t.source(), t.destination(), "tcp sample");
        if (why == null && (t.connectionsOpened() < 0 || t.connectionsClosed() < 0 || t.sentBytes() < 0
                || t.receivedBytes() < 0)) {
            why = "tcp sample counters are deltas and must not be negative: " + t;
        }
        return why;
    }

    private static String checkCounter(CounterSample c) {
        if (c.name() == null || c.name().isEmpty()) {
            return "counter sample needs a metric name";
        }
        if (c.emitter() == null || c.emitter().service().isEmpty() || c.emitter().namespace().isEmpty()) {
            return "counter " + c.name() + " needs its reporter's service.name and namespace (resource attributes service.name and"
                    + " k8s.namespace.name or service.namespace)";
        }
        if (!(c.increase() >= 0) || Double.isInfinite(c.increase())) {
            return "counter " + c.name() + " increase must be a finite non-negative number, got " + c.increase();
        }
        return null;
    }

    private static String checkSpan(SpanRecord s) {
        if (s.traceId() == null || s.traceId().isEmpty() || s.traceId().length() > 64) {
            return "span needs a trace id of 1..64 characters, got " + s.traceId();
        }
        if (s.spanId() == null || s.spanId().isEmpty() || s.spanId().length() > 64) {
            return "span of trace " + s.traceId() + " needs a span id of 1..64 characters, got " + s.spanId();
        }
        if (s.kind() == null || s.service() == null || s.name() == null) {
            return "span " + s.spanId() + " needs a kind, a service and a name";
        }
        if (s.service().isUnknown()) {
            return "span " + s.spanId() + " has no service (set the service.name resource attribute)";
        }
        if (s.endEpochNanos() < s.startEpochNanos()) {
            return "span " + s.spanId() + " ends before it starts (" + s.startEpochNanos() + " > " + s.endEpochNanos() + ")";
        }
        return null;
    }

    private static String checkLog(LogRecord l) {
        if (l.source() == null || l.body() == null) {
            return "log record needs a source peer and a body";
        }
        return null;
    }

    private SpanRecord normalized(SpanRecord s) {
        Peer service = recorder.withCluster(s.service());
        if (service == s.service() && s.parentSpanId() != null && s.peerService() != null && s.statusMessage() != null
                && s.attributes() != null) {
            return s;
        }
        return new SpanRecord(s.traceId(), s.spanId(), s.parentSpanId() == null ? "" : s.parentSpanId(), s.name(),
                s.kind(), service, s.peerService() == null ? "" : s.peerService(), s.startEpochNanos(),
                s.endEpochNanos(), s.error(), s.httpStatus(), s.statusMessage() == null ? "" : s.statusMessage(),
                s.attributes() == null ? java.util.Map.of() : s.attributes());
    }

    private LogRecord normalized(LogRecord l) {
        Peer source = l.source().isUnknown() ? l.source() : recorder.withCluster(l.source());
        if (source == l.source() && l.severity() != null && l.traceId() != null && l.spanId() != null
                && l.attributes() != null) {
            return l;
        }
        return new LogRecord(l.epochNanos(), source, l.severity() == null ? "" : l.severity(), l.body(),
                l.traceId() == null ? "" : l.traceId(), l.spanId() == null ? "" : l.spanId(),
                l.attributes() == null ? java.util.Map.of() : l.attributes());
    }

    private void enforceBudget() {
        if (aggregates.bytes() <= aggregateBudget && traces.bytes() <= traceBudget && logs.bytes() <= logBudget) {
            return;
        }
        if (!evicting.tryLock()) {
            return;
        }
        try {
            while (aggregates.bytes() > aggregateBudget && aggregates.evictOldestSlot() > 0) {
                // one slot per round: the oldest goes first
            }
            while (traces.bytes() > traceBudget && traces.evictOldest() > 0) {
                // one trace per round
            }
            while (logs.bytes() > logBudget && logs.evictOldest() > 0) {
                // one record per round
            }
        } finally {
            evicting.unlock();
        }
    }

    /**
     * Totals of every aggregate key over the slots starting in [from, to] ({@code from} rounds up
     * to a slot boundary, which the snapshot's from reports, so rates divide by the covered time).
     */
    public AggregateSnapshot snapshot(Instant from, Instant to) {
        return snapshot(from, to, ALL_KINDS);
    }

    /** As {@link #snapshot(Instant, Instant)}, for the given kinds only (cheaper for one view). */
    public AggregateSnapshot snapshot(Instant from, Instant to, Set<SeriesKind> kinds) {
        checkWindow(from, to);
        return aggregates.snapshot(from, to, kinds.isEmpty() ? ALL_KINDS : kinds);
    }

    /**
     * The rate (per second) of application counter {@code name} that {@code service} in {@code namespace} reports
     * (of {@code cluster}, or every cluster's when it is ""), over the slots starting in [from, to] as
     * {@link #snapshot} counts them; empty when no report of it arrived in the window.
     */
    public OptionalDouble counterRate(String name, String cluster, String namespace, String service, Instant from, Instant to) {
        checkWindow(from, to);
        AppCounters.Total t = counters.total(name, cluster, namespace, service, from, to);
        if (!t.reported()) {
            return OptionalDouble.empty();
        }
        long width = config.bucketWidth().toMillis();
        long covered = to.toEpochMilli() - Math.floorDiv(from.toEpochMilli() + width - 1, width) * width;
        return OptionalDouble.of(t.increase() / (Math.max(1, covered) / 1000.0));
    }

    /** One service's per-step series over [from, to); steps are whole multiples of the bucket width. */
    public ServiceSeries series(String cluster, String namespace, String service, Instant from, Instant to,
                                Duration step) {
        checkWindow(from, to);
        long width = config.bucketWidth().toMillis();
        if (step == null || step.toMillis() < width || step.toMillis() % width != 0) {
            throw new IllegalArgumentException("step must be a multiple of the bucket width " + config.bucketWidth()
                    + ", got " + step);
        }
        if ((to.toEpochMilli() - from.toEpochMilli()) / step.toMillis() > 10_000) {
            throw new IllegalArgumentException("window / step gives more than 10000 points; use a larger step");
        }
        SeriesKey key = SeriesKey.service(new Peer(cluster, namespace, "", service));
        return aggregates.series(key, from, to, step);
    }

    private static void checkWindow(Instant from, Instant to) {
        if (from == null || to == null || !from.isBefore(to)) {
            throw new IllegalArgumentException("window must have from before to, got " + from + ".." + to);
        }
    }

    /** This store's traces matching the query, newest first (merge peers' with TelemetryQueries.traces). */
    public List<TraceSummary> searchTraces(TraceQuery query) {
        return traces.search(query);
    }

    /** The trace's spans as received, or empty when it is unknown (or evicted). */
    public Optional<List<SpanRecord>> trace(String traceId) {
        return traceId == null ? Optional.empty() : traces.trace(traceId);
    }

    /** This store's log records matching the query, newest first. */
    public List<LogRecord> searchLogs(LogQuery query) {
        return logs.search(query);
    }

    public TelemetryStatus status() {
        long agg = aggregates.bytes();
        long tr = traces.bytes();
        long lg = logs.bytes();
        return new TelemetryStatus(agg + tr + lg, config.memoryBudgetBytes(), agg, aggregateBudget, tr, traceBudget, lg,
                logBudget, aggregates.evictedCells(), traces.evicted(), logs.evicted(), aggregates.alive(),
                config.maxSeries(), capped.sum(), traces.traces(), traces.spans(), logs.count(), accepted.sum(),
                rejected.sum());
    }

    /** Later batches are refused; stored data stays readable. */
    @Override
    public void close() {
        closed.set(true);
    }
}
