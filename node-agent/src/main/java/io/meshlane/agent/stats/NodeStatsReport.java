package io.meshlane.agent.stats;

import io.meshlane.agent.datapath.Counter;
import io.meshlane.agent.datapath.CounterSnapshot;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.PodRegistration;
import io.meshlane.api.agent.v1.Counters;
import io.meshlane.api.agent.v1.NamespaceStats;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.api.agent.v1.PodStats;

import java.net.InetAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** Builds the node's stats report from the datapath's node-wide and per-pod counters. */
public final class NodeStatsReport {

    private final String node;
    private final String cluster;

    public NodeStatsReport(String node, String cluster) {
        this.node = node;
        this.cluster = cluster;
    }

    public NodeStats build(Datapath datapath, String policyVersion) {
        Map<String, PodRegistration> pods = datapath.registeredPods();
        Map<String, CounterSnapshot> perPod = datapath.podCounters();
        Map<String, Boolean> namespaces = datapath.namespaces();
        NodeStats.Builder report = NodeStats.newBuilder().setNode(node).setCluster(cluster)
                .setMode(datapath.mode().name()).setReason(datapath.passThroughReason())
                .setTimestampUnixMs(System.currentTimeMillis()).setTotals(counters(datapath.counters()))
                .setPolicyVersion(policyVersion);
        Map<String, EnumMap<Counter, Long>> byNamespace = new TreeMap<>();
        Map<String, Integer> podsPerNamespace = new TreeMap<>();
        perPod.forEach((key, snapshot) -> {
            PodRegistration pod = pods.get(key);
            if (pod == null) {
                return;
            }
            report.addPods(PodStats.newBuilder().setNamespace(pod.namespace()).setName(pod.name())
                    .setAccelerated(Boolean.TRUE.equals(namespaces.get(pod.namespace())) && pod.sidecar())
                    .addAllIps(pod.ips().stream().map(InetAddress::getHostAddress).toList())
                    .setCounters(counters(snapshot)));
            EnumMap<Counter, Long> sum = byNamespace.computeIfAbsent(pod.namespace(), n -> new EnumMap<>(Counter.class));
            snapshot.values().forEach((c, v) -> sum.merge(c, v, Long::sum));
            podsPerNamespace.merge(pod.namespace(), 1, Integer::sum);
        });
        byNamespace.forEach((namespace, sum) -> report.addNamespaces(NamespaceStats.newBuilder().setNamespace(namespace)
                .setAccelerated(Boolean.TRUE.equals(namespaces.get(namespace)))
                .setPods(podsPerNamespace.getOrDefault(namespace, 0))
                .setCounters(counters(new CounterSnapshot(sum)))));
        return report.build();
    }

    private static Counters counters(CounterSnapshot snapshot) {
        Counters.Builder out = Counters.newBuilder();
        snapshot.values().forEach((c, v) -> out.putValues(c.metricName(), v));
        return out.build();
    }
}
