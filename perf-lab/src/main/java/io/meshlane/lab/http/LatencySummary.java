package io.meshlane.lab.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The client-side truth of an HTTP load run: latency from each request's intended send time
 * (open loop, coordinated-omission corrected) to its response, in microseconds.
 *
 * @param count  responses received (any status)
 * @param errors responses with status ≥ 500 plus requests that failed without a response
 */
public record LatencySummary(String target, int rate, long durationMillis, long count, long errors,
                             double p50Micros, double p95Micros, double p99Micros, double maxMicros) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static LatencySummary of(String target, int rate, long durationMillis, Histogram nanos, long errors) {
        return new LatencySummary(target, rate, durationMillis, nanos.getTotalCount(), errors,
                micros(nanos, 50), micros(nanos, 95), micros(nanos, 99),
                nanos.getTotalCount() == 0 ? 0 : nanos.getMaxValue() / 1000.0);
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : Math.round(h.getValueAtPercentile(percentile) / 100.0) / 10.0;
    }

    /** Written atomically: a reader never sees half a file. */
    public void write(Path file) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write latency summary " + file + ": " + e.getMessage(), e);
        }
    }

    public static LatencySummary read(Path file) {
        try {
            return JSON.readValue(file.toFile(), LatencySummary.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read latency summary " + file + ": " + e.getMessage(), e);
        }
    }
}
