package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The highest offered rate a mode sustained on a path within the p99 budget and without errors (0: not even the first step). */
@JsonPropertyOrder({"mode", "path", "payload", "sustained_rps", "p99_budget_us"})
public record SaturationResult(String mode, String path, int payload, @JsonProperty("sustained_rps") int sustainedRps,
                               @JsonProperty("p99_budget_us") long p99BudgetUs) {
}
