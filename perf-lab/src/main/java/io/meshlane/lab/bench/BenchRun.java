package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** One row of the bench's JSON output: one mode and payload size. */
@JsonPropertyOrder({"mode", "path", "payload", "rate", "connections", "requests", "errors", "p50_us", "p90_us", "p99_us",
        "p999_us", "max_rps", "cpu_ms_per_1k"})
public record BenchRun(String mode, String path, int payload, int rate, int connections, long requests, long errors,
                       @JsonProperty("p50_us") double p50Us, @JsonProperty("p90_us") double p90Us,
                       @JsonProperty("p99_us") double p99Us, @JsonProperty("p999_us") double p999Us,
                       @JsonProperty("max_rps") double maxRps, @JsonProperty("cpu_ms_per_1k") double cpuMsPer1k) {
}
