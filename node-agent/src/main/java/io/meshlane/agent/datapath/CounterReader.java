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

    private final BpfMap counters;
    private final int cpus;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment key = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment values;

    CounterReader(BpfMap counters) {
        this.counters = counters;
        this.cpus = BpfMap.possibleCpus();
        this.values = arena.allocate((long) Long.BYTES * cpus, 8);
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
