package io.meshlane.lab.load;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;

/**
 * The outcome of a load run.
 *
 * @param requests     responses received intact
 * @param errors       corrupt responses, lost connections, write failures and timeouts
 * @param elapsedNanos from the first send to the last response
 * @param latency      latency in nanoseconds; open-loop runs measure from each request's
 *                     intended send time (coordinated-omission corrected)
 * @param errorSamples the first few error descriptions
 */
public record LoadResult(long requests, long errors, long elapsedNanos, Histogram latency, List<String> errorSamples) {

    public static final long HIGHEST_NANOS = 60_000_000_000L;

    public static Histogram newHistogram() {
        return new Histogram(HIGHEST_NANOS, 3);
    }

    public double requestsPerSecond() {
        return elapsedNanos == 0 ? 0 : requests * 1e9 / elapsedNanos;
    }

    public static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf.array(), n));
    }

    public static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), HIGHEST_NANOS);
        } catch (java.util.zip.DataFormatException e) {
            throw new IllegalArgumentException("corrupt histogram", e);
        }
    }
}
