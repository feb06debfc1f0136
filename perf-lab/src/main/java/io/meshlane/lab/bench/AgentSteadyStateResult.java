package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The agent steady-state benchmark's JSON: load, what the datapath saw (node-wide counter growth over the measured time), and the agent process's RSS and CPU against the goals. */
@JsonPropertyOrder({"pods", "clients", "offered_connections_per_s", "achieved_connections_per_s", "connections", "errors",
        "connect_redirected_outbound", "seconds", "scrape_interval_s", "scrapes", "scrape_errors", "reports_to_control_plane",
        "rss_median_mib", "rss_max_mib", "cpu_pct_of_one_core", "rss_goal_mib", "cpu_goal_pct", "datapath_counters",
        "lab_saturated", "listen_overflows", "listen_drops", "error_samples"})
public record AgentSteadyStateResult(int pods, int clients,
                                     @JsonProperty("offered_connections_per_s") int offered,
                                     @JsonProperty("achieved_connections_per_s") long achieved,
                                     long connections, long errors,
                                     @JsonProperty("connect_redirected_outbound") long redirected,
                                     double seconds,
                                     @JsonProperty("scrape_interval_s") long scrapeIntervalS,
                                     int scrapes,
                                     @JsonProperty("scrape_errors") int scrapeErrors,
                                     @JsonProperty("reports_to_control_plane") boolean reports,
                                     @JsonProperty("rss_median_mib") double rssMedianMib,
                                     @JsonProperty("rss_max_mib") double rssMaxMib,
                                     @JsonProperty("cpu_pct_of_one_core") double cpuPct,
                                     @JsonProperty("rss_goal_mib") int rssGoalMib,
                                     @JsonProperty("cpu_goal_pct") double cpuGoalPct,
                                     @JsonProperty("datapath_counters") java.util.Map<String, Long> counterGrowth,
                                     @JsonProperty("lab_saturated") boolean labSaturated,
                                     @JsonProperty("listen_overflows") java.util.Map<String, Long> listenOverflows,
                                     @JsonProperty("listen_drops") java.util.Map<String, Long> listenDrops,
                                     @JsonProperty("error_samples") java.util.List<String> errorSamples) {
    static final int RSS_GOAL_MIB = 128;
    static final double CPU_GOAL_PCT = 2.0;
}
