package io.meshlane.control.telemetry.store;

import io.meshlane.control.telemetry.signals.CounterSample;
import io.meshlane.control.telemetry.signals.Peer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applications' own counters (orders_total...) per reporting service and slot: how much each grew in each
 * slot, kept for {@link #RETENTION_MILLIS}. At most {@code maxSeries} counters are kept; a new one beyond
 * that is refused (and counted by the caller) rather than evicting one an autoscaler may be reading.
 */
final class AppCounters {

    static final long RETENTION_MILLIS = 3_600_000L;

    /** One counter of one service: who reports it and what it is called. */
    private record Key(String cluster, String namespace, String service, String name) {
    }

    /** How much the counter grew over a window, and whether any report of it arrived in the window. */
    record Total(double increase, boolean reported) {
    }

    private final long slotMillis;
    private final int maxSeries;
    private final Map<Key, TreeMap<Long, double[]>> series = new HashMap<>();

    AppCounters(long slotMillis, int maxSeries) {
        this.slotMillis = slotMillis;
        this.maxSeries = maxSeries;
    }

    /** False when the counter is new and there is no room for it. */
    synchronized boolean add(Peer emitter, CounterSample c) {
        Key key = new Key(emitter.cluster(), emitter.namespace(), emitter.service(), c.name());
        TreeMap<Long, double[]> slots = series.get(key);
        if (slots == null) {
            if (series.size() >= maxSeries) {
                return false;
            }
            slots = new TreeMap<>();
            series.put(key, slots);
        }
        long slot = Math.floorDiv(c.epochMillis(), slotMillis) * slotMillis;
        slots.computeIfAbsent(slot, s -> new double[1])[0] += c.increase();
        slots.headMap(slot - RETENTION_MILLIS).clear();
        return true;
    }

    /**
     * The increase of counter {@code name} of the service over the slots starting in [from, to] ({@code from}
     * rounds up to a slot boundary, as aggregate snapshots do); {@code cluster} "" sums every cluster's.
     */
    synchronized Total total(String name, String cluster, String namespace, String service, Instant from, Instant to) {
        long first = Math.floorDiv(from.toEpochMilli() + slotMillis - 1, slotMillis) * slotMillis;
        double sum = 0;
        boolean reported = false;
        for (Map.Entry<Key, TreeMap<Long, double[]>> e : series.entrySet()) {
            Key k = e.getKey();
            if (!k.name().equals(name) || !k.namespace().equals(namespace) || !k.service().equals(service)
                    || (!cluster.isEmpty() && !k.cluster().equals(cluster))) {
                continue;
            }
            for (double[] v : e.getValue().subMap(first, true, to.toEpochMilli(), true).values()) {
                sum += v[0];
                reported = true;
            }
        }
        return new Total(sum, reported);
    }

    synchronized int size() {
        return series.size();
    }
}
