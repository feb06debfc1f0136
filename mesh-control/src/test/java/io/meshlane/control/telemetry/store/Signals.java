package io.meshlane.control.telemetry.store;

import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import java.util.List;
import java.util.Map;

/** Builders for test signals. */
public final class Signals {

    private Signals() {
    }

    public static Peer peer(String cluster, String namespace, String service) {
        return new Peer(cluster, namespace, service + "-v1", service);
    }

    public static RequestSample request(Peer src, Peer dst, String op, long micros, boolean error, long epochMillis) {
        return new RequestSample(src, dst, op, error ? 503 : 200, error, micros, epochMillis);
    }

    public static TelemetryBatch requests(List<RequestSample> samples) {
        return new TelemetryBatch(samples, List.of(), List.of(), List.of(), List.of());
    }

    public static SpanRecord span(String trace, String id, String parent, SpanKind kind, Peer service,
                                  String peerService, String name, long startNanos, long durationMicros,
                                  boolean error) {
        return new SpanRecord(trace, id, parent, name, kind, service, peerService, startNanos,
                startNanos + durationMicros * 1000, error, error ? 500 : 200, "", Map.of());
    }

    public static LogRecord log(long epochMillis, Peer source, String severity, String body, String traceId) {
        return new LogRecord(epochMillis * 1_000_000L, source, severity, body, traceId, "", Map.of());
    }

    public static String hex(long value, int length) {
        String s = Long.toHexString(value);
        return "0".repeat(Math.max(0, length - s.length())) + s;
    }
}
