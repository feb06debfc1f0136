package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.signals.CounterSample;
import io.meshlane.control.telemetry.signals.LogRecord;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TcpSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;

/**
 * The writer's cluster against what a payload claims. A credential writes as one cluster: a resource
 * (k8s.cluster.name / cluster) or an Istio metric's reporting side (source_cluster when reporter=source
 * or unset, destination_cluster when reporter=destination) naming another cluster is refused whole,
 * with nothing stored — refusing rather than relabelling tells a misconfigured exporter at once,
 * where a silent relabel would hide that its data was meant for somewhere else. The other side of a
 * call may name another cluster (cross-cluster calls are real). Whatever carries no cluster is
 * labelled with the writer's.
 */
final class ClusterClaims {
    private ClusterClaims() {
    }

    /** Thrown when a payload claims a cluster its credential does not grant; answered 403 / PERMISSION_DENIED. */
    static final class ForeignCluster extends RuntimeException {
        ForeignCluster(String message) {
            super(message);
        }
    }

    static void check(ExportTraceServiceRequest r, String cluster) {
        r.getResourceSpansList().forEach(rs -> resource(rs.getResource(), cluster));
    }

    static void check(ExportLogsServiceRequest r, String cluster) {
        r.getResourceLogsList().forEach(rl -> resource(rl.getResource(), cluster));
    }

    static void check(ExportMetricsServiceRequest r, String cluster) {
        for (ResourceMetrics rm : r.getResourceMetricsList()) {
            resource(rm.getResource(), cluster);
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    switch (m.getDataCase()) {
                        case SUM -> m.getSum().getDataPointsList().forEach(p -> reporter(m, p.getAttributesList(), cluster));
                        case GAUGE -> m.getGauge().getDataPointsList().forEach(p -> reporter(m, p.getAttributesList(), cluster));
                        case HISTOGRAM -> m.getHistogram().getDataPointsList().forEach(p -> reporter(m, p.getAttributesList(), cluster));
                        default -> { }
                    }
                }
            }
        }
    }

    /** {@code batch} with every peer that names no cluster labelled {@code cluster}. */
    static TelemetryBatch assign(TelemetryBatch b, String cluster) {
        return new TelemetryBatch(
                b.requests().stream().map(r -> new RequestSample(own(r.source(), cluster), own(r.destination(), cluster), r.operation(),
                        r.responseCode(), r.error(), r.durationMicros(), r.epochMillis())).toList(),
                b.requestBuckets().stream().map(r -> new RequestBuckets(own(r.source(), cluster), own(r.destination(), cluster), r.responseCode(),
                        r.error(), r.upperBoundsMillis(), r.counts(), r.epochMillis())).toList(),
                b.tcp().stream().map(t -> new TcpSample(own(t.source(), cluster), own(t.destination(), cluster), t.connectionsOpened(),
                        t.connectionsClosed(), t.sentBytes(), t.receivedBytes(), t.epochMillis())).toList(),
                b.spans().stream().map(s -> new SpanRecord(s.traceId(), s.spanId(), s.parentSpanId(), s.name(), s.kind(),
                        own(s.service(), cluster), s.peerService(), s.startEpochNanos(), s.endEpochNanos(), s.error(), s.httpStatus(),
                        s.statusMessage(), s.attributes())).toList(),
                b.logs().stream().map(l -> new LogRecord(l.epochNanos(), own(l.source(), cluster), l.severity(), l.body(), l.traceId(),
                        l.spanId(), l.attributes())).toList(),
                b.counters().stream().map(c -> new CounterSample(own(c.emitter(), cluster), c.name(), c.increase(), c.epochMillis())).toList());
    }

    private static Peer own(Peer p, String cluster) {
        return p.cluster().isEmpty() ? new Peer(cluster, p.namespace(), p.workload(), p.service()) : p;
    }

    private static void resource(Resource resource, String cluster) {
        for (String key : new String[] {"k8s.cluster.name", "cluster"}) {
            String claimed = value(resource.getAttributesList(), key);
            if (!claimed.isEmpty() && !claimed.equals(cluster)) {
                throw new ForeignCluster("the resource attribute " + key + "=" + claimed + " names another cluster than "
                        + cluster + ", the one this credential writes as; a credential writes only its own cluster's telemetry"
                        + " (drop the attribute, or use a token of cluster " + claimed + ")");
            }
        }
    }

    private static void reporter(Metric m, List<KeyValue> labels, String cluster) {
        String key = value(labels, "reporter").equals("destination") ? "destination_cluster" : "source_cluster";
        String claimed = value(labels, key);
        if (!claimed.isEmpty() && !claimed.equals("unknown") && !claimed.equals(cluster)) {
            throw new ForeignCluster("metric " + m.getName() + " reports " + key + "=" + claimed + " as its own side, but this"
                    + " credential writes as cluster " + cluster + "; a credential writes only its own cluster's telemetry");
        }
    }

    private static String value(List<KeyValue> attributes, String key) {
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals(key)) {
                return kv.getValue().getStringValue();
            }
        }
        return "";
    }
}
