package io.meshlane.control.telemetry.signals;

/**
 * Requests known only as an explicit-bucket histogram (Istio's istio_request_duration_milliseconds):
 * {@code counts[i]} requests took at most {@code upperBoundsMillis[i]} (and more than the previous bound);
 * the last count, one longer than the bounds, is the overflow bucket. Quantiles from these are
 * approximate, bounded by the bucket widths.
 */
public record RequestBuckets(Peer source, Peer destination, int responseCode, boolean error,
                             double[] upperBoundsMillis, long[] counts, long epochMillis) {
}
