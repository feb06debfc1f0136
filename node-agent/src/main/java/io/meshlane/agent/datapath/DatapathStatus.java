package io.meshlane.agent.datapath;

import java.util.Map;

/**
 * What the agent reports about its datapath.
 *
 * @param mode        ACCELERATING or PASS_THROUGH
 * @param reason      why the datapath passes traffic through; empty when accelerating
 * @param pinDir      where programs, links and maps are pinned
 * @param programIds  kernel ids of the attached programs, by name
 * @param pods        registered pods
 * @param namespaces  namespace name to accelerated or not
 * @param counters    totals since the programs were loaded
 */
public record DatapathStatus(Datapath.Mode mode, String reason, String pinDir, Map<String, Integer> programIds,
                             int pods, Map<String, Boolean> namespaces, CounterSnapshot counters) {
}
