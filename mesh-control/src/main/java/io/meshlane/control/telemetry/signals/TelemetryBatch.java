package io.meshlane.control.telemetry.signals;

import java.util.List;

/** What one ingest call hands to the store: any mix of signals, already decoded and validated. */
public record TelemetryBatch(List<RequestSample> requests, List<RequestBuckets> requestBuckets, List<TcpSample> tcp,
                             List<SpanRecord> spans, List<LogRecord> logs, List<CounterSample> counters) {

    public TelemetryBatch {
        requests = List.copyOf(requests);
        requestBuckets = List.copyOf(requestBuckets);
        tcp = List.copyOf(tcp);
        spans = List.copyOf(spans);
        logs = List.copyOf(logs);
        counters = List.copyOf(counters);
    }

    /** A batch without application counters (what every signal but OTLP metrics carries). */
    public TelemetryBatch(List<RequestSample> requests, List<RequestBuckets> requestBuckets, List<TcpSample> tcp,
                          List<SpanRecord> spans, List<LogRecord> logs) {
        this(requests, requestBuckets, tcp, spans, logs, List.of());
    }

    public static TelemetryBatch ofSpans(List<SpanRecord> spans) {
        return new TelemetryBatch(List.of(), List.of(), List.of(), spans, List.of());
    }

    public static TelemetryBatch ofLogs(List<LogRecord> logs) {
        return new TelemetryBatch(List.of(), List.of(), List.of(), List.of(), logs);
    }

    public int size() {
        return requests.size() + requestBuckets.size() + tcp.size() + spans.size() + logs.size() + counters.size();
    }
}
