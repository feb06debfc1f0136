package io.meshlane.lab.bench;

import io.meshlane.lab.node.HostCommand;
import io.meshlane.lab.node.LabException;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.Netns;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lab's own capacity: TcpExt ListenOverflows and ListenDrops from each pod's network
 * namespace ({@code /proc/net/netstat} inside it). They grow when a sidecar's accept queue is
 * full, i.e. the lab, not the datapath, refused the connection.
 */
record ListenQueues(Map<String, Long> overflows, Map<String, Long> drops) {

    static ListenQueues read(List<LabPod> pods) {
        Map<String, Long> overflows = new TreeMap<>();
        Map<String, Long> drops = new TreeMap<>();
        for (LabPod pod : pods) {
            List<String> argv = new ArrayList<>(Netns.execPrefix(pod.netns()));
            argv.addAll(List.of("cat", "/proc/net/netstat"));
            HostCommand.Result r = HostCommand.exec(argv, null);
            if (!r.ok()) {
                throw new LabException("cannot read /proc/net/netstat in " + pod.netns() + ": " + r.err());
            }
            Map<String, Long> tcpExt = tcpExt(r.out());
            overflows.put(pod.key(), tcpExt.getOrDefault("ListenOverflows", 0L));
            drops.put(pod.key(), tcpExt.getOrDefault("ListenDrops", 0L));
        }
        return new ListenQueues(overflows, drops);
    }

    /** The TcpExt header line names the values on the line after it. */
    static Map<String, Long> tcpExt(String netstat) {
        String[] lines = netstat.split("\n");
        Map<String, Long> out = new TreeMap<>();
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("TcpExt:") && lines[i + 1].startsWith("TcpExt:")) {
                String[] names = lines[i].trim().split("\\s+");
                String[] values = lines[i + 1].trim().split("\\s+");
                for (int k = 1; k < Math.min(names.length, values.length); k++) {
                    out.put(names[k], Long.parseLong(values[k]));
                }
                break;
            }
        }
        return out;
    }

    /** Growth since {@code before}, per pod. */
    ListenQueues since(ListenQueues before) {
        return new ListenQueues(delta(overflows, before.overflows), delta(drops, before.drops));
    }

    private static Map<String, Long> delta(Map<String, Long> now, Map<String, Long> then) {
        Map<String, Long> out = new TreeMap<>();
        now.forEach((k, v) -> out.put(k, v - then.getOrDefault(k, 0L)));
        return out;
    }

    long totalOverflows() {
        return overflows.values().stream().mapToLong(Long::longValue).sum();
    }

    long totalDrops() {
        return drops.values().stream().mapToLong(Long::longValue).sum();
    }
}
