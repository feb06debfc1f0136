package io.meshlane.control.telemetry.istio;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Turns cumulative counters and histograms into deltas by remembering the last value of each series.
 * Memory is bounded: each of the stripes keeps its least recently seen series out once full (an evicted
 * series starts over from a baseline, counted in {@link #evicted()}).
 *
 * <p>The first value of a series is a baseline (nothing emitted) unless the series started after this
 * tracker did: then all of it happened while we listened. A value below the previous one, or a new start
 * time, is a counter reset and the new value is the delta.
 */
public final class CumulativeDeltas {
    private static final int STRIPES = 16;

    private final long createdMillis;
    private final Stripe[] stripes = new Stripe[STRIPES];
    private final LongAdder evicted = new LongAdder();

    public CumulativeDeltas(int maxSeries, long createdMillis) {
        this.createdMillis = createdMillis;
        int perStripe = Math.max(1, maxSeries / STRIPES);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe(perStripe, evicted);
        }
    }

    /** The counter's increase since the last value of {@code key}, or NaN for a baseline. */
    public double counter(Object key, long startMillis, double value) {
        Stripe s = stripe(key);
        synchronized (s) {
            Object prev = s.put(key, new Last(startMillis, value, null, null));
            if (!(prev instanceof Last last) || last.counts != null) {
                return startedWhileListening(startMillis) ? value : Double.NaN;
            }
            if (restarted(last.startMillis, startMillis) || value < last.value) {
                return value;
            }
            return value - last.value;
        }
    }

    /** Per-bucket increases since the last histogram of {@code key}, or null for a baseline. */
    long[] histogram(Object key, long startMillis, double[] bounds, long[] counts) {
        Stripe s = stripe(key);
        synchronized (s) {
            Object prev = s.put(key, new Last(startMillis, 0, bounds, counts.clone()));
            if (!(prev instanceof Last last) || last.counts == null || !Arrays.equals(last.bounds, bounds)) {
                return startedWhileListening(startMillis) ? counts.clone() : null;
            }
            long[] delta = new long[counts.length];
            boolean reset = restarted(last.startMillis, startMillis);
            for (int i = 0; i < counts.length && !reset; i++) {
                delta[i] = counts[i] - last.counts[i];
                reset = delta[i] < 0;
            }
            return reset ? counts.clone() : delta;
        }
    }

    long evicted() {
        return evicted.sum();
    }

    int size() {
        int n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                n += s.size();
            }
        }
        return n;
    }

    private boolean startedWhileListening(long startMillis) {
        return startMillis > 0 && startMillis >= createdMillis;
    }

    private static boolean restarted(long before, long now) {
        return before > 0 && now > 0 && before != now;
    }

    private Stripe stripe(Object key) {
        return stripes[(key.hashCode() & 0x7fffffff) % STRIPES];
    }

    private record Last(long startMillis, double value, double[] bounds, long[] counts) {
    }

    private static final class Stripe extends LinkedHashMap<Object, Object> {
        private final int max;
        private final LongAdder evicted;

        Stripe(int max, LongAdder evicted) {
            super(64, 0.75f, true);
            this.max = max;
            this.evicted = evicted;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Object> eldest) {
            if (size() > max) {
                evicted.increment();
                return true;
            }
            return false;
        }
    }
}
