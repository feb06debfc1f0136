package io.meshlane.api.acceleration;

import java.util.List;
import java.util.Optional;

/**
 * One switch on a namespace's acceleration: the namespace's label or one AccelerationPolicy,
 * limited to the clusters it names (none named: every cluster).
 */
public record Switch(String source, boolean enabled, List<String> clusters) {

    public Switch {
        clusters = List.copyOf(clusters);
    }

    /** A switch that holds in every cluster, such as a namespace label read in the agent's own cluster. */
    public static Switch everywhere(String source, boolean enabled) {
        return new Switch(source, enabled, List.of());
    }

    /** An AccelerationPolicy's switch from its {@code spec.acceleration}; empty unless that is Enabled or Disabled. */
    public static Optional<Switch> ofPolicy(String source, String acceleration, List<String> clusters) {
        return switch (acceleration) {
            case "Enabled" -> Optional.of(new Switch(source, true, clusters));
            case "Disabled" -> Optional.of(new Switch(source, false, clusters));
            default -> Optional.empty();
        };
    }

    public boolean appliesTo(String cluster) {
        return clusters.isEmpty() || clusters.contains(cluster);
    }
}
