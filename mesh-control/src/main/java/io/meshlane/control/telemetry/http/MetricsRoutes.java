package io.meshlane.control.telemetry.http;

import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.ApiRequest;
import io.meshlane.control.http.ApiResponse;
import io.meshlane.control.http.MountedRoutes;
import io.meshlane.control.security.Identity;
import io.meshlane.control.telemetry.export.RedSeries;
import io.meshlane.control.telemetry.export.RemoteSeries;
import io.meshlane.control.telemetry.otlp.IngestStats;
import io.meshlane.control.telemetry.store.TelemetryStatus;
import io.meshlane.control.telemetry.store.TelemetryStore;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}: the control plane's own telemetry health and the mesh's RED of the last
 * minute (the same gauges remote-write sends), as Prometheus text, computed at scrape time so a
 * Prometheus that outgrows the hosted views can scrape it (bearer token from the kubeconfig).
 */
public final class MetricsRoutes implements MountedRoutes {

    private final TelemetryStore store;
    private final Supplier<IngestStats> ingest;

    public MetricsRoutes(TelemetryStore store, Supplier<IngestStats> ingest) {
        this.store = store;
        this.ingest = ingest;
    }

    @Override
    public ApiResponse handle(ApiRequest request, Identity who, String path) {
        if (!path.equals("/metrics")) {
            throw ApiError.notFoundPath(path);
        }
        if (!request.method().equals("GET")) {
            throw ApiError.methodNotAllowed(request.method() + " /metrics");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, collect());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ApiResponse.bytes(200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray(), Map.of("Cache-Control", "no-store"));
    }

    MetricSnapshots collect() {
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        TelemetryStatus s = store.status();
        out.metricSnapshot(gauge("meshlane_telemetry_memory_bytes", "telemetry memory in use, by kind", "kind",
                Map.of("aggregates", (double) s.aggregateBytes(), "traces", (double) s.traceBytes(), "logs", (double) s.logBytes())));
        out.metricSnapshot(gauge("meshlane_telemetry_memory_budget_bytes", "telemetry memory budget share, by kind", "kind",
                Map.of("aggregates", (double) s.aggregateBudgetBytes(), "traces", (double) s.traceBudgetBytes(),
                        "logs", (double) s.logBudgetBytes())));
        out.metricSnapshot(counter("meshlane_telemetry_evictions", "data evicted to stay within the memory budget, by kind", "kind",
                Map.of("aggregate_cells", (double) s.evictedAggregateCells(), "traces", (double) s.evictedTraces(),
                        "logs", (double) s.evictedLogs())));
        out.metricSnapshot(gauge("meshlane_telemetry_series", "aggregate series alive and their cap", "of",
                Map.of("alive", (double) s.seriesAlive(), "cap", (double) s.seriesCap())));
        out.metricSnapshot(counter("meshlane_telemetry_capped_samples",
                "samples folded into __overflow__ by the series cap (a label with a new value per request)", null,
                Map.of("", (double) s.capped())));
        IngestStats i = ingest.get();
        out.metricSnapshot(counter("meshlane_telemetry_otlp_items", "OTLP items received, by signal and result", "signal_result",
                ordered("spans_accepted", i.spansAccepted(), "spans_rejected", i.spansRejected(), "logs_accepted", i.logsAccepted(),
                        "logs_rejected", i.logsRejected(), "points_understood", i.metricPointsUnderstood(),
                        "points_not_understood", i.metricPointsNotUnderstood(), "points_rejected", i.metricPointsRejected())));
        out.metricSnapshot(counter("meshlane_telemetry_otlp_requests_refused", "OTLP requests refused, by reason", "reason",
                ordered("malformed", i.malformedRequests(), "overloaded", i.refusedRequests(), "failed", i.failedRequests())));
        Map<String, GaugeSnapshot.Builder> byName = new LinkedHashMap<>();
        for (RemoteSeries r : RedSeries.recent(store)) {
            byName.computeIfAbsent(r.name(), n -> GaugeSnapshot.builder().name(n).help("mesh RED over the last minute (" + n + ")"))
                    .dataPoint(GaugeDataPointSnapshot.builder().value(r.value()).labels(Labels.of(
                            r.labels().keySet().toArray(String[]::new), r.labels().values().toArray(String[]::new))).build());
        }
        byName.values().forEach(b -> out.metricSnapshot(b.build()));
        return out.build();
    }

    private static Map<String, Double> ordered(Object... pairs) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int k = 0; k < pairs.length; k += 2) {
            out.put((String) pairs[k], ((Number) pairs[k + 1]).doubleValue());
        }
        return out;
    }

    private static GaugeSnapshot gauge(String name, String help, String label, Map<String, Double> values) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        values.forEach((v, x) -> b.dataPoint(GaugeDataPointSnapshot.builder().value(x).labels(Labels.of(label, v)).build()));
        return b.build();
    }

    private static CounterSnapshot counter(String name, String help, String label, Map<String, Double> values) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        values.forEach((v, x) -> b.dataPoint(CounterDataPointSnapshot.builder().value(x)
                .labels(label == null ? Labels.EMPTY : Labels.of(label, v)).build()));
        return b.build();
    }
}
