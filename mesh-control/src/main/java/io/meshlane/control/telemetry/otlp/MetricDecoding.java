package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.istio.MetricPoint;
import io.meshlane.control.telemetry.istio.SortedLabels;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * OTLP metrics to {@link MetricPoint}s: monotonic sums are counters, explicit-bucket histograms are
 * histograms, everything else (gauges, summaries, exponential histograms, non-monotonic sums) is kept
 * as an "other" point so that it is counted. Pure.
 */
final class MetricDecoding {
    private MetricDecoding() {
    }

    static List<MetricPoint> points(ExportMetricsServiceRequest request) {
        List<MetricPoint> out = new ArrayList<>();
        for (ResourceMetrics rm : request.getResourceMetricsList()) {
            String scope = scope(rm.getResource().getAttributesList());
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    decode(scope, m, out);
                }
            }
        }
        return out;
    }

    private static void decode(String scope, Metric m, List<MetricPoint> out) {
        switch (m.getDataCase()) {
            case SUM -> {
                boolean counter = m.getSum().getIsMonotonic();
                boolean cumulative = m.getSum().getAggregationTemporality() != AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
                for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                    long t = millis(p.getTimeUnixNano());
                    if (!counter) {
                        out.add(MetricPoint.other(scope, m.getName(), Map.of(), t));
                        continue;
                    }
                    double v = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
                    out.add(MetricPoint.counter(scope, m.getName(), labels(p.getAttributesList()), cumulative,
                            millis(p.getStartTimeUnixNano()), t, v));
                }
            }
            case HISTOGRAM -> {
                boolean cumulative = m.getHistogram().getAggregationTemporality() != AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
                for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                    double[] bounds = new double[p.getExplicitBoundsCount()];
                    for (int i = 0; i < bounds.length; i++) {
                        bounds[i] = p.getExplicitBounds(i);
                    }
                    long[] counts = new long[p.getBucketCountsCount()];
                    for (int i = 0; i < counts.length; i++) {
                        counts[i] = p.getBucketCounts(i);
                    }
                    out.add(MetricPoint.histogram(scope, m.getName(), labels(p.getAttributesList()), cumulative,
                            millis(p.getStartTimeUnixNano()), millis(p.getTimeUnixNano()), bounds, counts));
                }
            }
            case GAUGE -> m.getGauge().getDataPointsList().forEach(p -> out.add(MetricPoint.other(scope, m.getName(), Map.of(),
                    millis(p.getTimeUnixNano()))));
            case SUMMARY -> m.getSummary().getDataPointsList().forEach(p -> out.add(MetricPoint.other(scope, m.getName(), Map.of(),
                    millis(p.getTimeUnixNano()))));
            case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsList().forEach(p -> out.add(
                    MetricPoint.other(scope, m.getName(), Map.of(), millis(p.getTimeUnixNano()))));
            default -> {
                // a metric without data carries no points
            }
        }
    }

    private static Map<String, String> labels(List<KeyValue> attributes) {
        int n = attributes.size();
        String[] keys = new String[n];
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
            KeyValue kv = attributes.get(i);
            keys[i] = kv.getKey();
            values[i] = OtlpAttributes.text(kv.getValue());
        }
        return SortedLabels.of(keys, values, n);
    }

    /** The emitter's identity for cumulative-to-delta bookkeeping: its sorted resource attributes. */
    private static String scope(List<KeyValue> resource) {
        return "otlp:" + labels(resource);
    }

    private static long millis(long unixNanos) {
        return unixNanos / 1_000_000L;
    }
}
