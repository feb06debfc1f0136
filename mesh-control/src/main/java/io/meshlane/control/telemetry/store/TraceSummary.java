package io.meshlane.control.telemetry.store;

import java.util.List;

/** One trace as a search result: its root (the earliest span without a known parent) and its extent. */
public record TraceSummary(String traceId, String cluster, String rootService, String rootName, long startEpochNanos,
                           long durationNanos, int spanCount, boolean error, List<String> services) {

    public TraceSummary {
        services = List.copyOf(services);
    }
}
