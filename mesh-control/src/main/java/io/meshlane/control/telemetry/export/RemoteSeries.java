package io.meshlane.control.telemetry.export;

import java.util.Map;

/** One sample of one Prometheus series to remote-write: metric name, labels (without __name__), value and time. */
public record RemoteSeries(String name, Map<String, String> labels, double value, long timestampMillis) {

    public RemoteSeries {
        labels = Map.copyOf(labels);
    }
}
