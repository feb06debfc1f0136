package io.meshlane.control.telemetry.istio;

import java.util.Map;

/**
 * One metric data point in a form both OTLP and the Prometheus text format reduce to.
 * {@code scope} names where the series comes from (an OTLP resource, a scrape target) so that
 * cumulative values of equal label sets from different emitters are never subtracted from each other.
 * For histograms, {@code bucketCounts[i]} counts values at most {@code bounds[i]} (not cumulative),
 * with one more count than bounds for the overflow bucket. {@code startMillis} is 0 when unknown.
 */
public record MetricPoint(String scope, String name, Map<String, String> labels, Kind kind, boolean cumulative,
                          long startMillis, long timeMillis, double value, double[] bounds, long[] bucketCounts) {

    public enum Kind { COUNTER, HISTOGRAM, OTHER }

    public static MetricPoint counter(String scope, String name, Map<String, String> labels, boolean cumulative,
                                      long startMillis, long timeMillis, double value) {
        return new MetricPoint(scope, name, labels, Kind.COUNTER, cumulative, startMillis, timeMillis, value, null, null);
    }

    public static MetricPoint histogram(String scope, String name, Map<String, String> labels, boolean cumulative,
                                        long startMillis, long timeMillis, double[] bounds, long[] bucketCounts) {
        return new MetricPoint(scope, name, labels, Kind.HISTOGRAM, cumulative, startMillis, timeMillis, 0, bounds, bucketCounts);
    }

    public static MetricPoint other(String scope, String name, Map<String, String> labels, long timeMillis) {
        return new MetricPoint(scope, name, labels, Kind.OTHER, false, 0, timeMillis, 0, null, null);
    }
}
