package io.meshlane.control.dashboard;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;

/**
 * A plain TCP call of Bookinfo (ratings-v2 → its MongoDB), as a sidecar reports it: Istio's four istio_tcp_*
 * counters with the source's and destination's labels, OTLP/HTTP protobuf deltas to {@code /v1/metrics}.
 */
final class BookinfoTcp {

    static final String SOURCE = "ratings";
    static final String DESTINATION = "mongodb";

    private BookinfoTcp() {
    }

    static void send(String endpoint, String token, String cluster, long opened, long closed, long sent, long received)
            throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        List<KeyValue> labels = List.of(attribute("reporter", "source"), attribute("request_protocol", "tcp"),
                attribute("source_workload", SOURCE + "-v2"), attribute("source_workload_namespace", BookinfoTraces.NAMESPACE),
                attribute("source_canonical_service", SOURCE), attribute("source_cluster", cluster),
                attribute("destination_workload", DESTINATION + "-v1"), attribute("destination_workload_namespace", BookinfoTraces.NAMESPACE),
                attribute("destination_canonical_service", DESTINATION), attribute("destination_cluster", cluster));
        ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
        String[] names = {"istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total", "istio_tcp_sent_bytes_total",
                "istio_tcp_received_bytes_total"};
        long[] values = {opened, closed, sent, received};
        for (int i = 0; i < names.length; i++) {
            scope.addMetrics(Metric.newBuilder().setName(names[i]).setSum(Sum.newBuilder().setIsMonotonic(true)
                    .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
                    .addDataPoints(NumberDataPoint.newBuilder().addAllAttributes(labels).setStartTimeUnixNano(now - 10_000_000_000L)
                            .setTimeUnixNano(now).setAsInt(values[i]))));
        }
        byte[] body = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attribute("service.name", SOURCE)))
                .addScopeMetrics(scope)).build().toByteArray();
        OtlpHttpPost.send(endpoint, "/v1/metrics", token, body);
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
