package io.meshlane.agent.stats;

import io.meshlane.agent.datapath.Counter;
import io.meshlane.agent.datapath.CounterSnapshot;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.PodRegistration;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.Map;

/**
 * Prometheus metrics read from the BPF maps at scrape time. Per-pod series exist only for
 * pods registered now (at most {@link #MAX_POD_SERIES}), so churn never grows the output.
 */
public final class DatapathCollector implements MultiCollector {

    public static final int MAX_POD_SERIES = 5000;

    private final Datapath datapath;

    public DatapathCollector(Datapath datapath) {
        this.datapath = datapath;
    }

    @Override
    public MetricSnapshots collect() {
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        CounterSnapshot node = datapath.counters();
        Map<String, CounterSnapshot> perPod = datapath.podCounters();
        Map<String, PodRegistration> pods = datapath.registeredPods();
        for (Counter c : Counter.values()) {
            var builder = io.prometheus.metrics.model.snapshots.CounterSnapshot.builder()
                    .name("meshlane_" + c.metricName())
                    .help("eBPF datapath events: " + c.metricName().replace('_', ' ') + " (node total and per pod)")
                    .dataPoint(CounterDataPointSnapshot.builder().value(node.get(c))
                            .labels(Labels.of("namespace", "", "pod", "")).build());
            int series = 0;
            for (Map.Entry<String, CounterSnapshot> pod : perPod.entrySet()) {
                PodRegistration reg = pods.get(pod.getKey());
                if (reg == null || ++series > MAX_POD_SERIES) {
                    continue;
                }
                builder.dataPoint(CounterDataPointSnapshot.builder().value(pod.getValue().get(c))
                        .labels(Labels.of("namespace", reg.namespace(), "pod", reg.name())).build());
            }
            out.metricSnapshot(builder.build());
        }
        var accelerated = GaugeSnapshot.builder().name("meshlane_namespace_accelerated")
                .help("1 when the namespace's new connections are accelerated");
        datapath.namespaces().forEach((ns, on) -> accelerated.dataPoint(GaugeDataPointSnapshot.builder()
                .value(on ? 1 : 0).labels(Labels.of("namespace", ns)).build()));
        out.metricSnapshot(accelerated.build());
        out.metricSnapshot(GaugeSnapshot.builder().name("meshlane_pods_registered").help("pods known to the datapath")
                .dataPoint(GaugeDataPointSnapshot.builder().value(pods.size()).build()).build());
        out.metricSnapshot(GaugeSnapshot.builder().name("meshlane_datapath_accelerating")
                .help("1 when the eBPF programs are attached, 0 in pass-through mode")
                .dataPoint(GaugeDataPointSnapshot.builder().value(datapath.mode() == Datapath.Mode.ACCELERATING ? 1 : 0)
                        .build()).build());
        return out.build();
    }
}
