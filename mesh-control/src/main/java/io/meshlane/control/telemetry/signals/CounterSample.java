package io.meshlane.control.telemetry.signals;

/**
 * An increase of a counter an application reports of itself (an OTLP monotonic sum that is not one of
 * Istio's, e.g. {@code orders_total}): {@code emitter} is the reporting workload, {@code increase} how much
 * the counter grew since its previous report (summed over the metric's label sets).
 */
public record CounterSample(Peer emitter, String name, double increase, long epochMillis) {
}
