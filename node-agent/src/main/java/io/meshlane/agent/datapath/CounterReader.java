package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.BpfMap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;

/**
 * Sums the per-CPU slots of ml_counters. Buffers are allocated once, so a read costs one
 * lookup per counter and no garbage; it never touches the forwarding path.
 */
public final class CounterReader implements AutoCloseable {

    /** Bytes of one CPU's struct pod_counters. */
    static final int POD_SLOTS_SIZE = MapLayouts.POD_COUNTERS.size();

    private final BpfMap counters;
    private final BpfMap podCounters;
    private final int cpus;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment key = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment values;
    private final MemorySegment podValues;

    CounterReader(BpfMap counters, BpfMap podCounters) {
        this.counters = counters;
        this.podCounters = podCounters;
        this.cpus = BpfMap.possibleCpus();
        this.values = arena.allocate((long) Long.BYTES * cpus, 8);
        this.podValues = arena.allocate((long) POD_SLOTS_SIZE * cpus, 8);
    }

    /** One pod's counters, or all zero when the pod has no entry. */
    public synchronized CounterSnapshot readPod(int podId) {
        EnumMap<Counter, Long> totals = new EnumMap<>(Counter.class);
        key.set(ValueLayout.JAVA_INT, 0, podId);
        boolean found = podCounters.lookup(key, podValues);
        for (Counter c : Counter.values()) {
            long sum = 0;
            for (int cpu = 0; found && cpu < cpus; cpu++) {
                sum += podValues.get(ValueLayout.JAVA_LONG, (long) cpu * POD_SLOTS_SIZE + (long) c.ordinal() * Long.BYTES);
            }
            totals.put(c, sum);
        }
        return new CounterSnapshot(totals);
    }

    /** A zeroed per-CPU value for a new pod's counter entry. */
    byte[] zeroPodValue() {
        return new byte[POD_SLOTS_SIZE * cpus];
    }

    public synchronized CounterSnapshot read() {
        EnumMap<Counter, Long> totals = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            key.set(ValueLayout.JAVA_INT, 0, c.ordinal());
            long sum = 0;
            if (counters.lookup(key, values)) {
                for (int cpu = 0; cpu < cpus; cpu++) {
                    sum += values.getAtIndex(ValueLayout.JAVA_LONG, cpu);
                }
            }
            totals.put(c, sum);
        }
        return new CounterSnapshot(totals);
    }

    @Override
    public synchronized void close() {
        arena.close();
    }
}
