package io.meshlane.control.telemetry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    private static final double[] QUANTILES = {0.5, 0.95, 0.99, 0.999, 1.0};

    /** The value at rank ceil(q·n) of the sorted raw data: the definition the histogram approximates. */
    static long reference(long[] sorted, double q) {
        int rank = (int) Math.max(1, Math.ceil(q * sorted.length));
        return sorted[rank - 1];
    }

    static void assertWithinOnePercent(long[] values, LatencyHistogram h, String what) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        for (double q : QUANTILES) {
            long expected = reference(sorted, q);
            long actual = h.valueAtQuantile(q);
            double error = Math.abs(actual - expected) / (double) Math.max(1, expected);
            assertTrue(error <= 0.01, what + " q=" + q + " expected " + expected + " got " + actual + " (error "
                    + error + ")");
        }
        assertEquals(sorted[sorted.length - 1], h.maxMicros(), what + " max is exact");
        assertEquals(values.length, h.totalCount());
    }

    private static long[] draw(int n, LongSupplier source) {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = source.getAsLong();
        }
        return values;
    }

    @Test
    void quantilesOfSkewedDistributionsAreWithinOnePercentOfTheSortedRawValues() {
        SplittableRandom r = new SplittableRandom(42);
        long[][] distributions = {
            // log-normal around 2 ms with a heavy right tail
            draw(200_000, () -> (long) (2000 * Math.exp(1.2 * gaussian(r)))),
            // Pareto tail: most requests fast, a few take seconds
            draw(200_000, () -> (long) (300 / Math.pow(1 - r.nextDouble(), 1 / 1.1))),
            // bimodal: cache hits at ~150 µs, misses at ~80 ms, and rare 5 s timeouts
            draw(100_000, () -> r.nextDouble() < 0.9 ? 100 + r.nextLong(100)
                    : r.nextDouble() < 0.99 ? 80_000 + r.nextLong(20_000) : 5_000_000 + r.nextLong(1_000)),
            // tiny values, where buckets are exact
            draw(10_000, () -> r.nextLong(300)),
        };
        for (int d = 0; d < distributions.length; d++) {
            LatencyHistogram h = new LatencyHistogram();
            for (long v : distributions[d]) {
                h.record(v, 1);
            }
            assertWithinOnePercent(distributions[d], h, "distribution " + d);
        }
    }

    @Test
    void mergingPartsGivesTheSameQuantilesAsRecordingTheWhole() {
        SplittableRandom r = new SplittableRandom(7);
        long[] values = draw(60_000, () -> (long) (5000 * Math.exp(gaussian(r))));
        LatencyHistogram whole = new LatencyHistogram();
        LatencyHistogram[] parts = {new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()};
        for (int i = 0; i < values.length; i++) {
            whole.record(values[i], 1);
            parts[i % 3].record(values[i], 1);
        }
        LatencyHistogram merged = new LatencyHistogram();
        for (LatencyHistogram p : parts) {
            merged.add(p);
        }
        LatencyHistogram.Accumulator acc = new LatencyHistogram.Accumulator();
        for (LatencyHistogram p : parts) {
            acc.add(p);
        }
        LatencyHistogram accumulated = acc.drain();
        for (double q : QUANTILES) {
            assertEquals(whole.valueAtQuantile(q), merged.valueAtQuantile(q), "add at " + q);
            assertEquals(whole.valueAtQuantile(q), accumulated.valueAtQuantile(q), "accumulator at " + q);
        }
        assertWithinOnePercent(values, merged, "merged");
    }

    @Test
    void encodingIsHdrHistogramsAndRoundTripsExactly() {
        SplittableRandom r = new SplittableRandom(3);
        LatencyHistogram h = new LatencyHistogram();
        Histogram hdr = new Histogram(1, LatencyHistogram.HIGHEST_MICROS, 2);
        for (int i = 0; i < 50_000; i++) {
            long v = (long) (1000 * Math.exp(1.5 * gaussian(r)));
            h.record(v, 1);
            hdr.recordValue(v);
        }
        LatencyHistogram back = LatencyHistogram.decode(h.encode(), h.maxMicros());
        for (double q : QUANTILES) {
            assertEquals(h.valueAtQuantile(q), back.valueAtQuantile(q), "quantile " + q);
        }
        assertEquals(h.totalCount(), back.totalCount());
        assertEquals(h.maxMicros(), back.maxMicros());
        // A plain HdrHistogram of the same values decodes into the same buckets.
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(hdr.getNeededByteBufferCapacity());
        int n = hdr.encodeIntoCompressedByteBuffer(buffer);
        String foreign = java.util.Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), n));
        LatencyHistogram fromHdr = LatencyHistogram.decode(foreign, h.maxMicros());
        for (double q : QUANTILES) {
            assertEquals(h.valueAtQuantile(q), fromHdr.valueAtQuantile(q), "HdrHistogram-encoded quantile " + q);
        }
    }

    @Test
    void garbageEncodingIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LatencyHistogram.decode("bm90IGEgaGlzdG9ncmFt", 0));
        assertTrue(e.getMessage().contains("HdrHistogram"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LatencyHistogram.decode("%%%", 0));
    }

    @Test
    void footprintGrowsWithDistinctBucketsNotWithCounts() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < 1_000_000; i++) {
            h.record(1234, 1);
        }
        assertTrue(h.footprintBytes() < 200, "one bucket costs " + h.footprintBytes());
        assertEquals(1_000_000, h.totalCount());
    }

    static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
