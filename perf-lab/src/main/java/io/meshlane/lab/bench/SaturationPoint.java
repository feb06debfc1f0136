package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** One step of the saturation search: an offered rate, what the mode did with it, and whether it held the budget. */
@JsonPropertyOrder({"mode", "path", "payload", "offered_rps", "achieved_rps", "p50_us", "p99_us", "errors", "within_budget"})
public record SaturationPoint(String mode, String path, int payload,
                              @JsonProperty("offered_rps") int offeredRps, @JsonProperty("achieved_rps") double achievedRps,
                              @JsonProperty("p50_us") double p50Us, @JsonProperty("p99_us") double p99Us, long errors,
                              @JsonProperty("within_budget") boolean withinBudget) {
}
