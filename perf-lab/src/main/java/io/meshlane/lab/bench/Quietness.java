package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * How quiet the machine was over the measured rounds: load averages (1, 5, 15 min) at the start
 * and the end, the share of CPU time stolen by the hypervisor and the share busy (all processes,
 * the bench's included) from /proc/stat. A quiet machine has load ≈ 0 before the bench and steal ≈ 0.
 */
@JsonPropertyOrder({"load_average_start", "load_average_end", "steal_pct", "busy_pct", "cpus"})
public record Quietness(@JsonProperty("load_average_start") double[] loadStart,
                        @JsonProperty("load_average_end") double[] loadEnd,
                        @JsonProperty("steal_pct") double stealPct,
                        @JsonProperty("busy_pct") double busyPct,
                        int cpus) {
}
