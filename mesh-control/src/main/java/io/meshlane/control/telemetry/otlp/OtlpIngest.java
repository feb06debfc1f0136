package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.istio.IstioMetrics;
import io.meshlane.control.telemetry.istio.IstioMetricsResult;
import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.telemetry.store.IngestOutcome;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * What both receivers do with a decoded request: turn it into signals, hand them to the sink, forward
 * the request, count. The sink's exceptions pass through to the receiver, which answers the client.
 */
final class OtlpIngest {
    /** Items refused (invalid, or refused by the sink) and the first reason, for OTLP partial success. */
    record Result(long rejected, String message) {
    }

    private final BatchSink sink;
    private final OtlpForwarder forwarder;
    private final IstioMetrics istio;
    private final LongAdder spansAccepted = new LongAdder();
    private final LongAdder spansRejected = new LongAdder();
    private final LongAdder logsAccepted = new LongAdder();
    private final LongAdder logsRejected = new LongAdder();
    private final LongAdder pointsUnderstood = new LongAdder();
    private final LongAdder pointsOther = new LongAdder();
    private final LongAdder pointsRejected = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder failed = new LongAdder();

    OtlpIngest(BatchSink sink, OtlpForwarder forwarder, IstioMetrics istio) {
        this.sink = sink;
        this.forwarder = forwarder == null ? OtlpForwarder.NONE : forwarder;
        this.istio = istio;
    }

    Result traces(ExportTraceServiceRequest request) {
        Decoded<SpanRecord> d = SpanDecoding.decode(request);
        IngestOutcome o = deliver(TelemetryBatch.ofSpans(d.items()));
        forwarder.traces(request);
        spansAccepted.add(d.items().size() - o.rejected());
        spansRejected.add(d.rejected() + o.rejected());
        return result(d.rejected(), d.firstRejection(), o);
    }

    Result logs(ExportLogsServiceRequest request) {
        Decoded<LogRecord> d = LogDecoding.decode(request);
        IngestOutcome o = deliver(TelemetryBatch.ofLogs(d.items()));
        forwarder.logs(request);
        logsAccepted.add(d.items().size() - o.rejected());
        logsRejected.add(d.rejected() + o.rejected());
        return result(d.rejected(), d.firstRejection(), o);
    }

    Result metrics(ExportMetricsServiceRequest request) {
        IstioMetricsResult m = istio.map(MetricDecoding.points(request));
        IngestOutcome o = deliver(new TelemetryBatch(List.of(), m.requests(), m.tcp(), List.of(), List.of()));
        forwarder.metrics(request);
        pointsUnderstood.add(m.understood());
        pointsOther.add(m.notUnderstood());
        pointsRejected.add(m.rejected());
        // the store's refusals are of signals, not points; they are reported but not added to rejected points
        String message = m.firstRejection();
        if (o.rejected() > 0) {
            message = (message.isEmpty() ? "" : message + "; ") + o.rejected() + " request/TCP samples refused by the store: "
                    + o.firstRejection();
        }
        return new Result(m.rejected(), message);
    }

    void malformed() {
        malformed.increment();
    }

    void refused() {
        refused.increment();
    }

    void failed() {
        failed.increment();
    }

    IngestStats stats() {
        return new IngestStats(spansAccepted.sum(), spansRejected.sum(), logsAccepted.sum(), logsRejected.sum(),
                pointsUnderstood.sum(), pointsOther.sum(), pointsRejected.sum(), malformed.sum(), refused.sum(), failed.sum(),
                istio.seriesEvicted());
    }

    private IngestOutcome deliver(TelemetryBatch batch) {
        if (batch.size() == 0) {
            return IngestOutcome.NONE;
        }
        IngestOutcome o = sink.accept(batch);
        return o == null ? IngestOutcome.NONE : o;
    }

    private static Result result(int invalid, String firstInvalid, IngestOutcome o) {
        String message = firstInvalid;
        if (o.rejected() > 0) {
            message = (message.isEmpty() ? "" : message + "; ") + o.rejected() + " refused by the store: " + o.firstRejection();
        }
        return new Result(invalid + o.rejected(), message);
    }
}
