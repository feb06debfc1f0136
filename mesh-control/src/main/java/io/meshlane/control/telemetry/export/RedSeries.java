package io.meshlane.control.telemetry.export;

import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.store.AggregateSnapshot;
import io.meshlane.control.telemetry.store.SeriesKind;
import io.meshlane.control.telemetry.store.SeriesTotals;
import io.meshlane.control.telemetry.store.TelemetryStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What remote-write sends: each edge's and service's RED over the last window as gauges
 * (requests per second, error ratio, p50/p95/p99 in milliseconds), labelled the way Istio labels
 * its metrics, so that Prometheus users query them with the names they know.
 */
public final class RedSeries {

    /** The window both remote-write and /metrics report: the RED of the last minute, as gauges. */
    public static final Duration WINDOW = Duration.ofMinutes(1);

    private RedSeries() {
    }

    /** The store's edges and services over the last {@link #WINDOW}, stamped now. */
    public static List<RemoteSeries> recent(TelemetryStore store) {
        Instant now = store.clock().instant();
        return of(store.snapshot(now.minus(WINDOW), now, EnumSet.of(SeriesKind.EDGE, SeriesKind.SERVICE)), now.toEpochMilli());
    }

    public static List<RemoteSeries> of(AggregateSnapshot snapshot, long timestampMillis) {
        List<RemoteSeries> out = new ArrayList<>();
        double seconds = Math.max(1e-9, snapshot.windowSeconds());
        for (SeriesKind kind : EnumSet.of(SeriesKind.EDGE, SeriesKind.SERVICE)) {
            String prefix = kind == SeriesKind.EDGE ? "meshlane_edge_" : "meshlane_service_";
            for (SeriesTotals t : snapshot.of(kind)) {
                if (t.requests() == 0) {
                    continue;
                }
                Map<String, String> labels = new LinkedHashMap<>();
                if (kind == SeriesKind.EDGE) {
                    peerLabels(labels, "source_", t.key().source());
                }
                peerLabels(labels, "destination_", t.key().destination());
                out.add(new RemoteSeries(prefix + "requests_per_second", labels, t.requests() / seconds, timestampMillis));
                out.add(new RemoteSeries(prefix + "error_ratio", labels, t.errorRatio(), timestampMillis));
                if (t.latency().totalCount() > 0) {
                    for (double q : new double[] {0.5, 0.95, 0.99}) {
                        Map<String, String> withQuantile = new LinkedHashMap<>(labels);
                        withQuantile.put("quantile", Double.toString(q));
                        out.add(new RemoteSeries(prefix + "latency_milliseconds", withQuantile,
                                t.latency().valueAtQuantile(q) / 1000.0, timestampMillis));
                    }
                }
            }
        }
        return out;
    }

    private static void peerLabels(Map<String, String> labels, String side, Peer peer) {
        labels.put(side + "cluster", peer.cluster());
        labels.put(side + "workload_namespace", peer.namespace());
        labels.put(side + "canonical_service", peer.service());
    }
}
