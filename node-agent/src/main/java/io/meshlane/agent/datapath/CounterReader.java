package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.BpfMap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;

/**
 * Sums the per-CPU slots of ml_counters. Buffers are allocated once, so a read allocates
 * nothing off-heap; it never touches the forwarding path. {@link #read()} takes every node
 * counter in one BPF_MAP_LOOKUP_BATCH syscall; {@link #readPerKey()} is the one-lookup-per-counter
 * read it replaced, kept to prove both agree and for the JMH comparison.
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
    private final MemorySegment batchKeys;
    private final MemorySegment batchValues;
    private final MemorySegment batchToken = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment batchCount = arena.allocate(ValueLayout.JAVA_INT);

    CounterReader(BpfMap counters, BpfMap podCounters) {
        this.counters = counters;
        this.podCounters = podCounters;
        this.cpus = BpfMap.possibleCpus();
        this.values = arena.allocate((long) Long.BYTES * cpus, 8);
        this.podValues = arena.allocate((long) POD_SLOTS_SIZE * cpus, 8);
        this.batchKeys = arena.allocate(ValueLayout.JAVA_INT, Counter.values().length);
        this.batchValues = arena.allocate((long) Long.BYTES * cpus * Counter.values().length, 8);
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

    /** Every node counter in one batch syscall. */
    public synchronized CounterSnapshot read() {
        int slots = Counter.values().length;
        batchCount.set(ValueLayout.JAVA_INT, 0, slots);
        int n = counters.lookupBatch(batchToken, batchKeys, batchValues, batchCount);
        long[] sums = new long[slots];
        for (int i = 0; i < n; i++) {
            int slot = batchKeys.getAtIndex(ValueLayout.JAVA_INT, i);
            if (slot < 0 || slot >= slots) {
                continue; // the map may be larger than the enum this agent knows
            }
            long sum = 0;
            long base = (long) i * cpus;
            for (int cpu = 0; cpu < cpus; cpu++) {
                sum += batchValues.getAtIndex(ValueLayout.JAVA_LONG, base + cpu);
            }
            sums[slot] = sum;
        }
        EnumMap<Counter, Long> totals = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            totals.put(c, sums[c.ordinal()]);
        }
        return new CounterSnapshot(totals);
    }

    /** Every node counter with one lookup syscall per counter. */
    public synchronized CounterSnapshot readPerKey() {
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
