package io.meshlane.agent.policy;

import java.util.Optional;

/**
 * How a namespace's acceleration is decided from its two switches:
 * <ol>
 *   <li>the namespace label {@code meshlane.io/acceleration=enabled|disabled} in the node's cluster;</li>
 *   <li>an AccelerationPolicy from mesh-control ({@code spec.acceleration: Enabled|Disabled}).</li>
 * </ol>
 * A "disabled" from either source wins (either owner can switch a namespace off, for
 * example while debugging); otherwise an "enabled" from either source enables it; with no
 * switch at all the agent's default applies.
 */
public final class AccelerationRules {

    private final boolean defaultEnabled;

    public AccelerationRules(boolean defaultEnabled) {
        this.defaultEnabled = defaultEnabled;
    }

    public boolean accelerated(Optional<Boolean> label, Optional<Boolean> policy) {
        if (label.equals(Optional.of(false)) || policy.equals(Optional.of(false))) {
            return false;
        }
        if (label.equals(Optional.of(true)) || policy.equals(Optional.of(true))) {
            return true;
        }
        return defaultEnabled;
    }

    public boolean defaultEnabled() {
        return defaultEnabled;
    }
}
