package io.meshlane.control.telemetry.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.telemetry.query.QueryParameters;
import io.meshlane.control.telemetry.query.TelemetryQueries;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.telemetry.store.AggregateSnapshot;
import io.meshlane.control.telemetry.store.SeriesKind;
import io.meshlane.control.telemetry.store.TelemetryConfig;
import io.meshlane.control.telemetry.store.TelemetryStatus;
import io.meshlane.control.telemetry.store.TelemetryStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;

/**
 * Dashboard query latency with 1,000 services: each query end to end as the HTTP layer runs it
 * (snapshot of the store + the JSON document rendered to bytes), many iterations, p50/p99/max
 * from an HdrHistogram. Target: ≤ 200 ms at p99. Run with:
 * <pre>
 * MAVEN_OPTS=-Xmx512m mvn -q -o -pl mesh-control test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.meshlane.control.telemetry.bench.TelemetryQueryBenchmark
 * </pre>
 * Properties: bench.services (1000), bench.workloads (2), bench.fanout (2), bench.rounds (per slot, 2),
 * bench.iterations (200), bench.budgetMb (384).
 */
public final class TelemetryQueryBenchmark {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TelemetryQueryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int services = Integer.getInteger("bench.services", 1000);
        int workloads = Integer.getInteger("bench.workloads", 2);
        int fanOut = Integer.getInteger("bench.fanout", 2);
        int rounds = Integer.getInteger("bench.rounds", 2);
        int iterations = Integer.getInteger("bench.iterations", 200);
        long budget = Long.getLong("bench.budgetMb", 384) << 20;
        Instant now = Instant.parse("2026-11-25T10:05:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        TelemetryStore store = new TelemetryStore(new TelemetryConfig(budget, 100_000, Duration.ofSeconds(10), "c1"), clock);
        BenchMesh mesh = new BenchMesh(services, workloads, fanOut, 1);
        SplittableRandom r = new SplittableRandom(2);
        long samples = 0;
        long fillStart = System.nanoTime();
        for (int slot = 0; slot < 30; slot++) {
            long slotStart = now.toEpochMilli() - (30 - slot) * 10_000L;
            for (int round = 0; round < rounds; round++) {
                List<RequestSample> batch = mesh.round(r, slotStart);
                for (int from = 0; from < batch.size(); from += 1000) {
                    store.accept(new TelemetryBatch(batch.subList(from, Math.min(batch.size(), from + 1000)), List.of(),
                            List.of(), List.of(), List.of()));
                }
                samples += batch.size();
            }
        }
        TelemetryStatus status = store.status();
        System.out.printf("filled %d services x %d workloads, fan-out %d: %,d request samples over 30 slots in %.1f s%n",
                services, workloads, fanOut, samples, (System.nanoTime() - fillStart) / 1e9);
        System.out.printf("series alive %,d; aggregates %.1f MB of %.1f MB share; evicted cells %d; heap used %.1f MB%n",
                status.seriesAlive(), status.aggregateBytes() / 1e6, status.aggregateBudgetBytes() / 1e6,
                status.evictedAggregateCells(), heapUsedMb());

        Map<String, String> fiveMinutes = Map.of("window", "5m");
        run("services", iterations, () -> {
            QueryParameters.Window w = QueryParameters.services(fiveMinutes, now);
            AggregateSnapshot s = store.snapshot(w.from(), w.to(), EnumSet.of(SeriesKind.SERVICE));
            return MAPPER.writeValueAsBytes(TelemetryQueries.services(s, w.label())).length;
        });
        run("topology by service", iterations, () -> {
            QueryParameters.TopologyRequest t = QueryParameters.topology(fiveMinutes, now);
            AggregateSnapshot s = store.snapshot(t.window().from(), t.window().to(),
                    EnumSet.of(SeriesKind.SERVICE, SeriesKind.EDGE));
            return MAPPER.writeValueAsBytes(TelemetryQueries.topology(s, t.window().label(), false)).length;
        });
        run("  of which snapshot only", iterations, () -> store.snapshot(now.minus(Duration.ofMinutes(5)), now,
                EnumSet.of(SeriesKind.SERVICE, SeriesKind.EDGE)).series().size());
        run("topology by workload", iterations, () -> {
            QueryParameters.TopologyRequest t = QueryParameters.topology(Map.of("by", "workload"), now);
            AggregateSnapshot s = store.snapshot(t.window().from(), t.window().to(),
                    EnumSet.of(SeriesKind.WORKLOAD, SeriesKind.WORKLOAD_EDGE));
            return MAPPER.writeValueAsBytes(TelemetryQueries.topology(s, t.window().label(), true)).length;
        });
        run("top endpoints by latency", iterations, () -> {
            QueryParameters.TopRequest t = QueryParameters.top(Map.of("of", "endpoints", "n", "10"), now);
            AggregateSnapshot s = store.snapshot(t.window().from(), t.window().to(), EnumSet.of(SeriesKind.ENDPOINT));
            return MAPPER.writeValueAsBytes(TelemetryQueries.top(s, t)).length;
        });
        run("top services by errors", iterations, () -> {
            QueryParameters.TopRequest t = QueryParameters.top(Map.of("by", "errors"), now);
            AggregateSnapshot s = store.snapshot(t.window().from(), t.window().to(), EnumSet.of(SeriesKind.SERVICE));
            return MAPPER.writeValueAsBytes(TelemetryQueries.top(s, t)).length;
        });
        SplittableRandom pick = new SplittableRandom(3);
        run("series (15m, 10s step)", iterations * 10, () -> {
            int s = pick.nextInt(services);
            QueryParameters.SeriesRequest q = QueryParameters.series(Map.of("namespace", "ns-" + (s % 20),
                    "service", "svc-" + s), now, "c1", Duration.ofSeconds(10));
            return MAPPER.writeValueAsBytes(TelemetryQueries.series(store.series(q.cluster(), q.namespace(), q.service(),
                    q.window().from(), q.window().to(), q.step()))).length;
        });
        run("federation snapshot JSON (all kinds)", Math.max(5, iterations / 10), () -> {
            AggregateSnapshot s = store.snapshot(now.minus(Duration.ofMinutes(5)), now);
            return MAPPER.writeValueAsBytes(s.toJson()).length;
        });
        System.out.printf("heap used after queries %.1f MB%n", heapUsedMb());
    }

    static void run(String name, int iterations, Callable<Integer> query) throws Exception {
        int warmup = Math.max(3, iterations / 10);
        int bytes = 0;
        for (int i = 0; i < warmup; i++) {
            bytes = query.call();
        }
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        for (int i = 0; i < iterations; i++) {
            long t = System.nanoTime();
            bytes = query.call();
            h.recordValue(System.nanoTime() - t);
        }
        System.out.printf("%-38s n=%-5d p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  (%,d bytes)%n", name, iterations,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6, bytes);
    }

    static double heapUsedMb() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return (rt.totalMemory() - rt.freeMemory()) / 1e6;
    }
}
