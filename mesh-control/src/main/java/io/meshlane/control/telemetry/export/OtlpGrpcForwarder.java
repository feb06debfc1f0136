package io.meshlane.control.telemetry.export;

import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshlane.control.telemetry.otlp.OtlpCounts;
import io.meshlane.control.telemetry.otlp.OtlpForwarder;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Forwards the OTLP requests the receivers accepted to a collector over gRPC. The receivers' threads only
 * offer to a bounded queue (a full queue drops the request and counts it); one sender thread merges queued
 * requests of the same signal and exports them, retrying with backoff while the collector is unavailable.
 *
 * <pre>{@code
 * OtlpGrpcForwarder fwd = OtlpGrpcForwarder.start(ForwarderOptions.to("otel-collector:4317"));
 * OtlpReceivers.start(options, store::accept, fwd);
 * }</pre>
 */
public final class OtlpGrpcForwarder implements OtlpForwarder, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OtlpGrpcForwarder.class.getName());
    private static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED,
            Status.Code.RESOURCE_EXHAUSTED, Status.Code.ABORTED);

    private enum Signal { TRACES, METRICS, LOGS }

    private record Pending(Signal signal, Message request, long items) {
    }

    private final ForwarderOptions options;
    private final Backoff backoff;
    private final ManagedChannel channel;
    private final BlockingQueue<Pending> queue;
    private final ExportCounters counters = new ExportCounters();
    private final Thread sender;
    private volatile boolean closed;
    private volatile String lastProblem = "";

    private OtlpGrpcForwarder(ForwarderOptions options) {
        this.options = options;
        this.backoff = new Backoff(options.initialBackoff(), options.maxBackoff());
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(options.target()).usePlaintext();
        if (!options.token().isEmpty()) {
            Metadata auth = new Metadata();
            auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + options.token());
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(auth));
        }
        this.channel = b.build();
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        this.sender = Thread.ofPlatform().daemon().name("otlp-forward").unstarted(this::run);
    }

    public static OtlpGrpcForwarder start(ForwarderOptions options) {
        OtlpGrpcForwarder f = new OtlpGrpcForwarder(options);
        f.sender.start();
        return f;
    }

    public ExportStats stats() {
        return counters.snapshot(queue.size());
    }

    @Override
    public void traces(ExportTraceServiceRequest request) {
        offer(new Pending(Signal.TRACES, request, OtlpCounts.spans(request)));
    }

    @Override
    public void metrics(ExportMetricsServiceRequest request) {
        long n = 0;
        for (ResourceMetrics rm : request.getResourceMetricsList()) {
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    n += switch (m.getDataCase()) {
                        case SUM -> m.getSum().getDataPointsCount();
                        case GAUGE -> m.getGauge().getDataPointsCount();
                        case HISTOGRAM -> m.getHistogram().getDataPointsCount();
                        case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsCount();
                        case SUMMARY -> m.getSummary().getDataPointsCount();
                        default -> 0;
                    };
                }
            }
        }
        offer(new Pending(Signal.METRICS, request, n));
    }

    @Override
    public void logs(ExportLogsServiceRequest request) {
        offer(new Pending(Signal.LOGS, request, OtlpCounts.logs(request)));
    }

    private void offer(Pending p) {
        if (closed || !queue.offer(p)) {
            counters.dropped(p.items);
        }
    }

    private void run() {
        while (!closed) {
            Pending first;
            try {
                first = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                continue;
            }
            List<Pending> batch = new ArrayList<>();
            batch.add(first);
            // one consumer: what peek sees is what poll takes
            for (Pending next = queue.peek(); next != null && next.signal == first.signal && batch.size() < options.maxBatchRequests();
                 next = queue.peek()) {
                batch.add(queue.poll());
            }
            send(batch);
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            counters.dropped(p.items);
        }
    }

    private void send(List<Pending> batch) {
        long items = batch.stream().mapToLong(Pending::items).sum();
        for (int attempt = 1; ; attempt++) {
            try {
                long rejected = export(batch);
                counters.sent(items - rejected);
                counters.rejectedItems.add(rejected);
                problem("");
                return;
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (!RETRYABLE.contains(code) || attempt >= options.maxAttempts() || closed) {
                    counters.dropped(items);
                    problem("the collector at " + options.target() + " refused or could not take " + items + " items after " + attempt
                            + " attempts: " + e.getStatus());
                    return;
                }
                counters.retries.increment();
                try {
                    Thread.sleep(backoff.delayMillis(attempt - 1));
                } catch (InterruptedException ie) {
                    counters.dropped(items);
                    Thread.currentThread().interrupt();
                    closed = true;
                    return;
                }
            } catch (RuntimeException e) {
                counters.dropped(items);
                problem("forwarding to " + options.target() + " failed: " + e);
                return;
            }
        }
    }

    /** Exports the merged batch; returns the items the collector reported as rejected. */
    private long export(List<Pending> batch) {
        long deadline = options.timeout().toMillis();
        return switch (batch.getFirst().signal) {
            case TRACES -> {
                ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
                batch.forEach(p -> b.addAllResourceSpans(((ExportTraceServiceRequest) p.request).getResourceSpansList()));
                yield TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline, TimeUnit.MILLISECONDS).export(b.build())
                        .getPartialSuccess().getRejectedSpans();
            }
            case METRICS -> {
                ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
                batch.forEach(p -> b.addAllResourceMetrics(((ExportMetricsServiceRequest) p.request).getResourceMetricsList()));
                yield MetricsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline, TimeUnit.MILLISECONDS).export(b.build())
                        .getPartialSuccess().getRejectedDataPoints();
            }
            case LOGS -> {
                ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
                batch.forEach(p -> b.addAllResourceLogs(((ExportLogsServiceRequest) p.request).getResourceLogsList()));
                yield LogsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline, TimeUnit.MILLISECONDS).export(b.build())
                        .getPartialSuccess().getRejectedLogRecords();
            }
        };
    }

    /** Logs the forwarding state when it changes ("" = healthy), not once per failed export. */
    private void problem(String p) {
        if (p.equals(lastProblem)) {
            return;
        }
        String before = lastProblem;
        lastProblem = p;
        if (p.isEmpty()) {
            LOG.info("forwarding to " + options.target() + " works again");
        } else if (!before.startsWith(p.substring(0, Math.min(40, p.length())))) {
            LOG.log(Level.WARNING, p + "; further items are dropped (and counted) while this lasts");
        }
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
        try {
            sender.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.shutdownNow();
    }
}
