package io.meshlane.control.telemetry.istio;

import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.TcpSample;
import java.util.List;

/**
 * What {@link IstioMetrics#map} made of a set of points. {@code understood} points were Istio standard
 * metrics (including baselines and duplicates that produced no signal); {@code notUnderstood} are other
 * metrics, left to the exporters; {@code rejected} points were malformed, the first described in
 * {@code firstRejection}.
 */
public record IstioMetricsResult(List<RequestBuckets> requests, List<TcpSample> tcp, int understood, int notUnderstood,
                                 int rejected, String firstRejection) {
}
