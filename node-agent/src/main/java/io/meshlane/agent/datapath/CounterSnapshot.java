package io.meshlane.agent.datapath;

import java.util.EnumMap;
import java.util.Map;

/** Counter totals summed over CPUs at one moment. */
public record CounterSnapshot(Map<Counter, Long> values) {

    public CounterSnapshot {
        EnumMap<Counter, Long> copy = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            copy.put(c, values.getOrDefault(c, 0L));
        }
        values = java.util.Collections.unmodifiableMap(copy);
    }

    public static CounterSnapshot empty() {
        return new CounterSnapshot(Map.of());
    }

    public long get(Counter counter) {
        return values.get(counter);
    }

    /** How much each counter grew since {@code earlier}. */
    public CounterSnapshot minus(CounterSnapshot earlier) {
        EnumMap<Counter, Long> delta = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            delta.put(c, get(c) - earlier.get(c));
        }
        return new CounterSnapshot(delta);
    }
}
