package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.istio.IstioMetrics;
import io.meshlane.control.telemetry.istio.IstioMetricsResult;
import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.telemetry.store.IngestOutcome;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * What both receivers do with a decoded request: turn it into signals, hand them to the sink, forward
 * the request, count, and build the OTLP response (with partial success when anything was refused or
 * there is something to say). The sink's exceptions pass through to the receiver, which answers the client.
 * A payload claiming another cluster than its writer's throws {@link ClusterClaims.ForeignCluster} before
 * anything is decoded, stored or forwarded.
 */
final class OtlpIngest {
    /** Items refused (invalid, or refused by the sink) and the first reason, for OTLP partial success. */
    private record Result(long rejected, String message) {
        boolean partial() {
            return rejected > 0 || !message.isEmpty();
        }
    }

    private final BatchSink sink;
    private final OtlpForwarder forwarder;
    private final IstioMetrics istio;
    private final AppCounterDecoding appCounters;
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

    OtlpIngest(BatchSink sink, OtlpForwarder forwarder, IstioMetrics istio, AppCounterDecoding appCounters) {
        this.sink = sink;
        this.forwarder = forwarder == null ? OtlpForwarder.NONE : forwarder;
        this.istio = istio;
        this.appCounters = appCounters;
    }

    ExportTraceServiceResponse traceResponse(ExportTraceServiceRequest request, String cluster) {
        if (cluster != null) {
            ClusterClaims.check(request, cluster);
        }
        Result r = traces(request, cluster);
        ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
        if (r.partial()) {
            b.setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(r.rejected()).setErrorMessage(r.message()));
        }
        return b.build();
    }

    ExportMetricsServiceResponse metricsResponse(ExportMetricsServiceRequest request, String cluster) {
        if (cluster != null) {
            ClusterClaims.check(request, cluster);
        }
        Result r = metrics(request, cluster);
        ExportMetricsServiceResponse.Builder b = ExportMetricsServiceResponse.newBuilder();
        if (r.partial()) {
            b.setPartialSuccess(ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(r.rejected()).setErrorMessage(r.message()));
        }
        return b.build();
    }

    ExportLogsServiceResponse logsResponse(ExportLogsServiceRequest request, String cluster) {
        if (cluster != null) {
            ClusterClaims.check(request, cluster);
        }
        Result r = logs(request, cluster);
        ExportLogsServiceResponse.Builder b = ExportLogsServiceResponse.newBuilder();
        if (r.partial()) {
            b.setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(r.rejected()).setErrorMessage(r.message()));
        }
        return b.build();
    }

    private Result traces(ExportTraceServiceRequest request, String cluster) {
        Decoded<SpanRecord> d = SpanDecoding.decode(request);
        IngestOutcome o = deliver(TelemetryBatch.ofSpans(d.items()), cluster);
        forwarder.traces(request);
        spansAccepted.add(d.items().size() - o.rejected());
        spansRejected.add(d.rejected() + o.rejected());
        return result(d.rejected(), d.firstRejection(), o);
    }

    private Result logs(ExportLogsServiceRequest request, String cluster) {
        Decoded<LogRecord> d = LogDecoding.decode(request);
        IngestOutcome o = deliver(TelemetryBatch.ofLogs(d.items()), cluster);
        forwarder.logs(request);
        logsAccepted.add(d.items().size() - o.rejected());
        logsRejected.add(d.rejected() + o.rejected());
        return result(d.rejected(), d.firstRejection(), o);
    }

    private Result metrics(ExportMetricsServiceRequest request, String cluster) {
        IstioMetricsResult m = istio.map(MetricDecoding.points(request));
        IngestOutcome o = deliver(new TelemetryBatch(List.of(), m.requests(), m.tcp(), List.of(), List.of(),
                appCounters.counters(request)), cluster);
        forwarder.metrics(request);
        pointsUnderstood.add(m.understood());
        pointsOther.add(m.notUnderstood());
        pointsRejected.add(m.rejected());
        // the store's refusals are of signals, not points; they are reported but not added to rejected points
        return new Result(m.rejected(), withRefusals(m.firstRejection(), o, " request/TCP/counter samples refused by the store: "));
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

    /** {@code cluster}: the writer's, from its credential; null on the insecure loopback receiver, where the payload's own labels stand. */
    private IngestOutcome deliver(TelemetryBatch batch, String cluster) {
        if (batch.size() == 0) {
            return IngestOutcome.NONE;
        }
        IngestOutcome o = sink.accept(cluster == null ? batch : ClusterClaims.assign(batch, cluster));
        return o == null ? IngestOutcome.NONE : o;
    }

    private static Result result(int invalid, String firstInvalid, IngestOutcome o) {
        return new Result(invalid + o.rejected(), withRefusals(firstInvalid, o, " refused by the store: "));
    }

    /** {@code message}, then (after "; " if it is not empty) the store's refusals: count, {@code refused}, first reason. */
    private static String withRefusals(String message, IngestOutcome o, String refused) {
        if (o.rejected() <= 0) {
            return message;
        }
        return (message.isEmpty() ? "" : message + "; ") + o.rejected() + refused + o.firstRejection();
    }
}
