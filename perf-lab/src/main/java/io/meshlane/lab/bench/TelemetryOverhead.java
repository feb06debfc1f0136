package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The relay's telemetry cost at one payload: ebpf with telemetry off vs on, same run,
 * interleaved rounds. Medians are over the per-round values (robust to a round that met a busy
 * machine); the merged values pool every round's histogram. Target: p99 ratio ≤ 1.03.
 */
@JsonPropertyOrder({"payload", "median_p50_off_us", "median_p50_on_us", "median_p99_off_us", "median_p99_on_us",
        "median_p99_ratio", "p99_off_us", "p99_on_us", "p99_ratio", "target_p99_ratio"})
public record TelemetryOverhead(int payload,
                                @JsonProperty("median_p50_off_us") double medianP50Off,
                                @JsonProperty("median_p50_on_us") double medianP50On,
                                @JsonProperty("median_p99_off_us") double medianP99Off,
                                @JsonProperty("median_p99_on_us") double medianP99On,
                                @JsonProperty("median_p99_ratio") double medianP99Ratio,
                                @JsonProperty("p99_off_us") double p99Off,
                                @JsonProperty("p99_on_us") double p99On,
                                @JsonProperty("p99_ratio") double p99Ratio,
                                @JsonProperty("target_p99_ratio") double target) {
    public static final double TARGET = 1.03;
}
