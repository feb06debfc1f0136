package io.meshlane.control.telemetry.store;

import java.util.List;
import java.util.TreeSet;

/**
 * One key's totals over a window: counts, TCP counters and the merged latency histogram
 * ({@code latency} is empty when the key only carried TCP). {@code approximate} is true when
 * some latency came from explicit-bucket histograms.
 */
public record SeriesTotals(SeriesKey key, List<String> workloads, long requests, long errors, boolean approximate,
                           long tcpOpened, long tcpClosed, long sentBytes, long receivedBytes,
                           LatencyHistogram latency) {

    public SeriesTotals {
        workloads = List.copyOf(workloads);
    }

    public double errorRatio() {
        return requests == 0 ? 0.0 : (double) errors / requests;
    }

    /** Sums two totals of the same key (histograms merge exactly; workloads union). */
    SeriesTotals plus(SeriesTotals other) {
        TreeSet<String> names = new TreeSet<>(workloads);
        names.addAll(other.workloads);
        LatencyHistogram merged = latency.copy();
        merged.add(other.latency);
        return new SeriesTotals(key, List.copyOf(names), requests + other.requests, errors + other.errors,
                approximate || other.approximate, tcpOpened + other.tcpOpened, tcpClosed + other.tcpClosed,
                sentBytes + other.sentBytes, receivedBytes + other.receivedBytes, merged);
    }
}
