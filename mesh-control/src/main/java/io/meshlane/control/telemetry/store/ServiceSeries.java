package io.meshlane.control.telemetry.store;

import java.time.Duration;
import java.util.List;

/** One service's aggregates per step over a window, oldest first; steps without traffic have zero requests. */
public record ServiceSeries(SeriesKey key, Duration step, List<Point> points) {

    public ServiceSeries {
        points = List.copyOf(points);
    }

    /** {@code epochMillis} is the step's start. */
    public record Point(long epochMillis, long requests, long errors, LatencyHistogram latency) {
    }
}
