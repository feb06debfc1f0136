package io.meshlane.control.autoscaling;

import io.meshlane.control.telemetry.store.AggregateSnapshot;
import io.meshlane.control.telemetry.store.LatencyHistogram;
import io.meshlane.control.telemetry.store.SeriesKind;
import io.meshlane.control.telemetry.store.SeriesTotals;
import io.meshlane.control.telemetry.store.TelemetryStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;

/**
 * A service's request rate, error ratio and latency percentiles over a window of the hosted telemetry:
 * what the engine scales on and what the external metrics API serves, computed one way for both.
 */
public final class MeshMetrics {

    private final TelemetryStore telemetry;

    public MeshMetrics(TelemetryStore telemetry) {
        this.telemetry = telemetry;
    }

    public Instant now() {
        return telemetry.clock().instant();
    }

    /** A service that had requests in a window: its name and the cluster they were reported from. */
    public record ServiceSeen(String cluster, String service) {
    }

    /** Every service of {@code namespace} (per cluster) with requests in the last {@code window}, sorted. */
    public java.util.SortedSet<ServiceSeen> services(String namespace, Duration window) {
        Instant to = now();
        java.util.SortedSet<ServiceSeen> seen = new java.util.TreeSet<>(java.util.Comparator.comparing(ServiceSeen::service)
                .thenComparing(ServiceSeen::cluster));
        for (SeriesTotals t : telemetry.snapshot(to.minus(window), to, EnumSet.of(SeriesKind.SERVICE)).of(SeriesKind.SERVICE)) {
            var d = t.key().destination();
            if (d.namespace().equals(namespace) && !d.service().isEmpty() && t.requests() > 0) {
                seen.add(new ServiceSeen(d.cluster(), d.service()));
            }
        }
        return seen;
    }

    /**
     * The per-second rate of counter {@code name} that {@code service}'s application reports over OTLP (of
     * {@code cluster}, or every cluster's when it is empty) over the last {@code window}; missing, with the
     * reason, when no report of it arrived in the window.
     */
    public Reading counterRate(String name, String cluster, String namespace, String service, Duration window) {
        Instant to = now();
        var rate = telemetry.counterRate(name, cluster, namespace, service, to.minus(window), to);
        return rate.isPresent() ? Reading.of(rate.getAsDouble())
                : Reading.missing("no report of counter " + name + " from " + service + "." + namespace
                        + (cluster.isEmpty() ? "" : " in cluster " + cluster) + " in the last " + window.toSeconds() + " s");
    }

    /**
     * The metric of service {@code service} in {@code namespace} (of {@code cluster}, or of every cluster when
     * it is empty) over the last {@code window}; missing, with the reason, when the window holds no request of it.
     */
    public Reading service(ServiceMetric metric, String cluster, String namespace, String service, Duration window) {
        Instant to = now();
        AggregateSnapshot snapshot = telemetry.snapshot(to.minus(window), to, EnumSet.of(SeriesKind.SERVICE));
        long requests = 0;
        long errors = 0;
        LatencyHistogram latency = new LatencyHistogram();
        for (SeriesTotals t : snapshot.of(SeriesKind.SERVICE)) {
            var d = t.key().destination();
            if (d.namespace().equals(namespace) && d.service().equals(service) && (cluster.isEmpty() || d.cluster().equals(cluster))) {
                requests += t.requests();
                errors += t.errors();
                latency.add(t.latency());
            }
        }
        String where = service + "." + namespace + (cluster.isEmpty() ? "" : " in cluster " + cluster);
        if (requests == 0) {
            return Reading.missing("no telemetry of " + where + " in the last " + window.toSeconds() + " s");
        }
        return switch (metric) {
            case RequestRate -> Reading.of(requests / snapshot.windowSeconds());
            case ErrorRate -> Reading.of((double) errors / requests);
            default -> latency.totalCount() == 0
                    ? Reading.missing("no latency of " + where + " in the last " + window.toSeconds() + " s (only counts arrived)")
                    : Reading.of(latency.valueAtQuantile(metric.quantile()) / 1000.0);
        };
    }
}
