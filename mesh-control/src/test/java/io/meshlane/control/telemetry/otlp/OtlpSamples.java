package io.meshlane.control.telemetry.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import java.util.Random;

/** Realistic OTLP requests for tests and benchmarks: a Bookinfo-like mesh's spans and Istio metrics. */
public final class OtlpSamples {
    private OtlpSamples() {
    }

    public static KeyValue attr(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    public static KeyValue attr(String k, long v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setIntValue(v)).build();
    }

    public static Resource resource(String service, String namespace, String deployment, String cluster) {
        return Resource.newBuilder().addAttributes(attr("service.name", service)).addAttributes(attr("k8s.namespace.name", namespace))
                .addAttributes(attr("k8s.deployment.name", deployment)).addAttributes(attr("k8s.cluster.name", cluster)).build();
    }

    public static ByteString id(Random r, int bytes) {
        byte[] b = new byte[bytes];
        r.nextBytes(b);
        b[0] |= 1; // never all zeros
        return ByteString.copyFrom(b);
    }

    public static Span span(ByteString traceId, ByteString spanId, ByteString parent, String name, Span.SpanKind kind,
                            long startNanos, long durationNanos, int httpStatus, String peerService) {
        Span.Builder s = Span.newBuilder().setTraceId(traceId).setSpanId(spanId).setParentSpanId(parent).setName(name).setKind(kind)
                .setStartTimeUnixNano(startNanos).setEndTimeUnixNano(startNanos + durationNanos)
                .addAttributes(attr("http.response.status_code", httpStatus))
                .addAttributes(attr("http.request.method", "GET"))
                .addAttributes(attr("url.path", "/" + name));
        if (!peerService.isEmpty()) {
            s.addAttributes(attr("peer.service", peerService));
        }
        if (httpStatus >= 500) {
            s.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("HTTP " + httpStatus));
        }
        return s.build();
    }

    /** {@code spans} spans in traces of three (productpage → reviews → ratings), one resource per service. */
    public static ExportTraceServiceRequest traces(Random r, int spans, long startNanos) {
        String[] services = {"productpage", "reviews", "ratings"};
        ScopeSpans.Builder[] scopes = new ScopeSpans.Builder[3];
        for (int i = 0; i < 3; i++) {
            scopes[i] = ScopeSpans.newBuilder();
        }
        for (int i = 0; i < spans; ) {
            ByteString trace = id(r, 16);
            ByteString parent = ByteString.EMPTY;
            for (int hop = 0; hop < 3 && i < spans; hop++, i++) {
                ByteString spanId = id(r, 8);
                scopes[hop].addSpans(span(trace, spanId, parent, "GET /" + services[hop], Span.SpanKind.SPAN_KIND_SERVER,
                        startNanos + hop * 1_000_000L, 20_000_000L - hop * 5_000_000L, r.nextInt(100) == 0 ? 503 : 200,
                        hop < 2 ? services[hop + 1] : ""));
                parent = spanId;
            }
        }
        ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
        for (int i = 0; i < 3; i++) {
            b.addResourceSpans(ResourceSpans.newBuilder().setResource(resource(services[i], "bookinfo", services[i] + "-v1", "east"))
                    .addScopeSpans(scopes[i]));
        }
        return b.build();
    }

    public static List<KeyValue> istioLabels(String src, String dst, int code, String reporter) {
        return List.of(attr("reporter", reporter), attr("source_workload", src + "-v1"), attr("source_workload_namespace", "bookinfo"),
                attr("source_canonical_service", src), attr("source_cluster", "east"), attr("destination_workload", dst + "-v1"),
                attr("destination_workload_namespace", "bookinfo"), attr("destination_canonical_service", dst),
                attr("destination_cluster", "east"), attr("response_code", Integer.toString(code)), attr("response_flags", "-"),
                attr("request_protocol", "http"));
    }

    public static final List<Double> BOUNDS = List.of(1d, 5d, 10d, 25d, 50d, 100d, 250d, 500d, 1000d, 2500d, 5000d, 10000d);

    /**
     * One proxy's cumulative Istio metrics: for {@code series} (source, destination, code) combinations, a
     * request counter, a duration histogram and the four TCP counters; {@code round} scales the values so
     * successive rounds are increasing cumulative values. Points = series * 6.
     */
    public static ExportMetricsServiceRequest istioMetrics(String proxy, int series, int round, long startNanos, long nowNanos) {
        Sum.Builder requests = Sum.newBuilder().setIsMonotonic(true).setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        Histogram.Builder durations = Histogram.newBuilder().setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        String[] tcpNames = {"istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total", "istio_tcp_sent_bytes_total",
                "istio_tcp_received_bytes_total"};
        Sum.Builder[] tcp = new Sum.Builder[4];
        for (int i = 0; i < 4; i++) {
            tcp[i] = Sum.newBuilder().setIsMonotonic(true).setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        }
        for (int s = 0; s < series; s++) {
            List<KeyValue> labels = istioLabels("svc" + s % 50, "svc" + (s / 50) % 50, s % 10 == 0 ? 503 : 200, "destination");
            long n = 10L * round + s % 7;
            requests.addDataPoints(NumberDataPoint.newBuilder().addAllAttributes(labels).setStartTimeUnixNano(startNanos)
                    .setTimeUnixNano(nowNanos).setAsInt(n));
            HistogramDataPoint.Builder h = HistogramDataPoint.newBuilder().addAllAttributes(labels).setStartTimeUnixNano(startNanos)
                    .setTimeUnixNano(nowNanos).setCount(n).addAllExplicitBounds(BOUNDS);
            for (int b = 0; b <= BOUNDS.size(); b++) {
                h.addBucketCounts(b == 3 ? n : 0);
            }
            durations.addDataPoints(h);
            for (int i = 0; i < 4; i++) {
                tcp[i].addDataPoints(NumberDataPoint.newBuilder().addAllAttributes(labels).setStartTimeUnixNano(startNanos)
                        .setTimeUnixNano(nowNanos).setAsInt(n * (i + 1)));
            }
        }
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder()
                .addMetrics(Metric.newBuilder().setName("istio_requests_total").setSum(requests))
                .addMetrics(Metric.newBuilder().setName("istio_request_duration_milliseconds").setHistogram(durations));
        for (int i = 0; i < 4; i++) {
            scope.addMetrics(Metric.newBuilder().setName(tcpNames[i]).setSum(tcp[i]));
        }
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attr("service.name", proxy))).addScopeMetrics(scope)).build();
    }
}
