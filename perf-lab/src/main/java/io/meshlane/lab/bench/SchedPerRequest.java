package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Scheduler cost per request of one arm, path and payload over the open-loop rounds, for the
 * lane's client and server pods (apps and sidecars): run-queue wait and context switches.
 */
@JsonPropertyOrder({"mode", "path", "payload", "run_queue_wait_us_per_req", "voluntary_switches_per_req",
        "involuntary_switches_per_req"})
public record SchedPerRequest(String mode, String path, int payload,
                              @JsonProperty("run_queue_wait_us_per_req") double runQueueWaitUs,
                              @JsonProperty("voluntary_switches_per_req") double voluntary,
                              @JsonProperty("involuntary_switches_per_req") double involuntary) {

    static SchedPerRequest of(String mode, String path, int payload, SchedSample total, long requests) {
        double n = Math.max(1, requests);
        return new SchedPerRequest(mode, path, payload, r2(total.runDelayNanos() / 1000.0 / n), r2(total.voluntary() / n),
                r2(total.involuntary() / n));
    }

    private static double r2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
