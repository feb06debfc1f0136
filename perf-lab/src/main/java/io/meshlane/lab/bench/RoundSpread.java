package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/** How one arm, path and payload varied across the interleaved rounds: min, median and max of the per-round p50 and p99. */
@JsonPropertyOrder({"mode", "path", "payload", "rounds", "p50_min_us", "p50_median_us", "p50_max_us",
        "p99_min_us", "p99_median_us", "p99_max_us"})
public record RoundSpread(String mode, String path, int payload, int rounds,
                          @JsonProperty("p50_min_us") double p50Min, @JsonProperty("p50_median_us") double p50Median,
                          @JsonProperty("p50_max_us") double p50Max, @JsonProperty("p99_min_us") double p99Min,
                          @JsonProperty("p99_median_us") double p99Median, @JsonProperty("p99_max_us") double p99Max) {

    static RoundSpread of(String mode, String path, int payload, List<Double> p50s, List<Double> p99s) {
        return new RoundSpread(mode, path, payload, p50s.size(), r1(min(p50s)), r1(BenchReport.median(p50s)), r1(max(p50s)),
                r1(min(p99s)), r1(BenchReport.median(p99s)), r1(max(p99s)));
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    private static double r1(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
