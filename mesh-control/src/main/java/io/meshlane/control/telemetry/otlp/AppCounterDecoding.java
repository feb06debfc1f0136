package io.meshlane.control.telemetry.otlp;

import io.meshlane.control.telemetry.istio.CumulativeDeltas;
import io.meshlane.control.telemetry.istio.IstioMetrics;
import io.meshlane.control.telemetry.signals.CounterSample;
import io.meshlane.control.telemetry.signals.Peer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An application's own counters from OTLP metrics: every monotonic sum that is not one of Istio's metrics, as
 * the increase since its previous export, attributed to the service its resource names. Cumulative series
 * become increases per emitter and label set (the first export of a series that started before we listened is
 * only a baseline); delta series are taken as they are. Thread-safe.
 */
final class AppCounterDecoding {

    private record SeriesId(Map<String, String> resource, String name, Map<String, String> labels) {
    }

    private final CumulativeDeltas deltas;

    AppCounterDecoding(int maxSeries) {
        this.deltas = new CumulativeDeltas(maxSeries, System.currentTimeMillis());
    }

    List<CounterSample> counters(ExportMetricsServiceRequest request) {
        List<CounterSample> out = new ArrayList<>();
        for (ResourceMetrics rm : request.getResourceMetricsList()) {
            Map<String, String> resource = OtlpAttributes.toMap(rm.getResource().getAttributesList());
            Peer emitter = ResourcePeer.of(resource);
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    if (m.getDataCase() != Metric.DataCase.SUM || !m.getSum().getIsMonotonic() || IstioMetrics.isIstio(m.getName())) {
                        continue;
                    }
                    boolean delta = m.getSum().getAggregationTemporality() == AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
                    for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                        double v = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
                        double increase = delta ? v : deltas.counter(new SeriesId(resource, m.getName(),
                                OtlpAttributes.toMap(p.getAttributesList())), p.getStartTimeUnixNano() / 1_000_000L, v);
                        if (!Double.isNaN(increase)) {
                            out.add(new CounterSample(emitter, m.getName(), increase, p.getTimeUnixNano() / 1_000_000L));
                        }
                    }
                }
            }
        }
        return out;
    }
}
