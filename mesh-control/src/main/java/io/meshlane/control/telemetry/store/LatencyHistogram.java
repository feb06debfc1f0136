package io.meshlane.control.telemetry.store;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Latency distribution in microseconds with HdrHistogram's bucket layout at 2 significant
 * digits (256 sub-buckets, so any quantile is within 1/128 ≈ 0.8% of the true value), stored
 * sparsely: only buckets that hold counts take memory (12 bytes each). HdrHistogram's own
 * PackedHistogram measured ~1.2 KB per 10 s cell and ~25 µs per merge, which does not fit
 * 1,000 services × 30 slots in the budget nor a 200 ms query; this keeps the same buckets, so
 * it converts to and from HdrHistogram's compressed encoding losslessly.
 * Not thread-safe: the store guards each instance with its shard's lock.
 */
public final class LatencyHistogram {

    static final int SIGNIFICANT_DIGITS = 2;
    private static final int SUB_HALF_MAGNITUDE = 7;
    private static final int SUB_HALF_COUNT = 1 << SUB_HALF_MAGNITUDE;
    private static final long SUB_MASK = (SUB_HALF_COUNT << 1) - 1;
    private static final int LEADING_ZERO_BASE = 64 - (SUB_HALF_MAGNITUDE + 1);
    /** About 50 days in µs; longer values are clamped (a span that long is a clock bug). */
    static final long HIGHEST_MICROS = (1L << 42) - 1;
    static final int INDEX_LIMIT = indexOf(HIGHEST_MICROS) + 1;

    private int[] indexes;
    private long[] counts;
    private int size;
    private long total;
    private long max;

    public LatencyHistogram() {
        this(4);
    }

    private LatencyHistogram(int capacity) {
        indexes = new int[capacity];
        counts = new long[capacity];
    }

    static int indexOf(long micros) {
        long v = Math.min(Math.max(micros, 0), HIGHEST_MICROS);
        int bucket = LEADING_ZERO_BASE - Long.numberOfLeadingZeros(v | SUB_MASK);
        int sub = (int) (v >>> bucket);
        return ((bucket + 1) << SUB_HALF_MAGNITUDE) + (sub - SUB_HALF_COUNT);
    }

    static long lowestValue(int index) {
        int bucket = (index >> SUB_HALF_MAGNITUDE) - 1;
        int sub = (index & (SUB_HALF_COUNT - 1)) + SUB_HALF_COUNT;
        if (bucket < 0) {
            sub -= SUB_HALF_COUNT;
            bucket = 0;
        }
        return (long) sub << bucket;
    }

    static long highestValue(int index) {
        int bucket = Math.max(0, (index >> SUB_HALF_MAGNITUDE) - 1);
        return lowestValue(index) + (1L << bucket) - 1;
    }

    /** Adds {@code count} observations of {@code micros}; returns the change of the footprint in bytes. */
    public long record(long micros, long count) {
        if (count <= 0) {
            return 0;
        }
        long clamped = Math.min(Math.max(micros, 0), HIGHEST_MICROS);
        max = Math.max(max, clamped);
        total += count;
        return addAt(indexOf(clamped), count);
    }

    private long addAt(int index, long count) {
        int at = Arrays.binarySearch(indexes, 0, size, index);
        if (at >= 0) {
            counts[at] += count;
            return 0;
        }
        int insert = -at - 1;
        long grown = 0;
        if (size == indexes.length) {
            int capacity = indexes.length + Math.max(4, indexes.length >> 1);
            grown = 12L * (capacity - indexes.length);
            indexes = Arrays.copyOf(indexes, capacity);
            counts = Arrays.copyOf(counts, capacity);
        }
        System.arraycopy(indexes, insert, indexes, insert + 1, size - insert);
        System.arraycopy(counts, insert, counts, insert + 1, size - insert);
        indexes[insert] = index;
        counts[insert] = count;
        size++;
        return grown;
    }

    /** Merges {@code other} into this histogram (exactly: same buckets). */
    public void add(LatencyHistogram other) {
        for (int i = 0; i < other.size; i++) {
            addAt(other.indexes[i], other.counts[i]);
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    public long totalCount() {
        return total;
    }

    /** The exact largest value recorded (µs). */
    public long maxMicros() {
        return max;
    }

    /**
     * The value (µs) at quantile {@code q} (0..1): the upper edge of the bucket holding the
     * observation of rank ceil(q·n), never above the exact maximum; 0 when empty.
     */
    public long valueAtQuantile(double q) {
        if (total == 0) {
            return 0;
        }
        if (q >= 1.0) {
            return max;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < size; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(highestValue(indexes[i]), max);
            }
        }
        return max;
    }

    /** Conservative heap footprint in bytes. */
    public long footprintBytes() {
        return 64 + 12L * indexes.length;
    }

    public LatencyHistogram copy() {
        LatencyHistogram copy = new LatencyHistogram(Math.max(1, size));
        System.arraycopy(indexes, 0, copy.indexes, 0, size);
        System.arraycopy(counts, 0, copy.counts, 0, size);
        copy.size = size;
        copy.total = total;
        copy.max = max;
        return copy;
    }

    /** Base64 of HdrHistogram's compressed encoding (lowest 1, 2 significant digits, µs). */
    public String encode() {
        return new Encoder().encode(this);
    }

    /**
     * Reusable scratch space for encoding many histograms (a snapshot of thousands of keys): one
     * dense HdrHistogram and one buffer instead of ~70 KB of allocation per key. Not thread-safe.
     */
    static final class Encoder {
        private final Histogram scratch = new Histogram(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS);
        private final ByteBuffer buffer = ByteBuffer.allocate(scratch.getNeededByteBufferCapacity());

        String encode(LatencyHistogram h) {
            scratch.reset();
            for (int i = 0; i < h.size; i++) {
                scratch.recordValueWithCount(lowestValue(h.indexes[i]), h.counts[i]);
            }
            buffer.clear();
            int length = scratch.encodeIntoCompressedByteBuffer(buffer);
            return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
        }
    }

    /**
     * Reads what {@link #encode()} wrote (or any HdrHistogram of µs values); {@code maxMicros} is
     * the exact maximum carried beside it. Throws IllegalArgumentException on malformed input.
     */
    public static LatencyHistogram decode(String base64, long maxMicros) {
        Histogram h;
        try {
            h = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (IllegalArgumentException | DataFormatException | java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("histogram is not base64 of an HdrHistogram compressed encoding: " + e.getMessage(), e);
        }
        LatencyHistogram out = new LatencyHistogram();
        for (HistogramIterationValue v : h.recordedValues()) {
            out.addAt(indexOf(v.getValueIteratedTo()), v.getCountAtValueIteratedTo());
            out.total += v.getCountAtValueIteratedTo();
        }
        long highest = out.size == 0 ? 0 : highestValue(out.indexes[out.size - 1]);
        out.max = maxMicros > 0 ? Math.min(maxMicros, highest) : highest;
        return out;
    }

    /** Dense scratch space to merge many sparse histograms in one pass (one per query, not shared). */
    static final class Accumulator {
        private final long[] dense = new long[INDEX_LIMIT];
        private final long[] touched = new long[(INDEX_LIMIT + 63) >>> 6];
        private long total;
        private long max;
        private int distinct;

        void add(LatencyHistogram h) {
            for (int i = 0; i < h.size; i++) {
                int index = h.indexes[i];
                if (dense[index] == 0) {
                    distinct++;
                    touched[index >>> 6] |= 1L << index;
                }
                dense[index] += h.counts[i];
            }
            total += h.total;
            max = Math.max(max, h.max);
        }

        /** The merged histogram; resets the accumulator. */
        LatencyHistogram drain() {
            LatencyHistogram out = new LatencyHistogram(Math.max(1, distinct));
            for (int word = 0; word < touched.length; word++) {
                long bits = touched[word];
                while (bits != 0) {
                    int index = (word << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    out.indexes[out.size] = index;
                    out.counts[out.size++] = dense[index];
                    dense[index] = 0;
                }
                touched[word] = 0;
            }
            out.total = total;
            out.max = max;
            total = 0;
            max = 0;
            distinct = 0;
            return out;
        }
    }
}
