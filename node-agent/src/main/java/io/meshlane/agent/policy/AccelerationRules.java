package io.meshlane.agent.policy;

import io.meshlane.api.acceleration.AccelerationRule;
import io.meshlane.api.acceleration.Switch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a namespace's acceleration is decided on this node from its two switches, by mesh-api's
 * {@link AccelerationRule}:
 * <ol>
 *   <li>the namespace label {@code meshlane.io/acceleration=enabled|disabled} in the node's cluster;</li>
 *   <li>an AccelerationPolicy from mesh-control ({@code spec.acceleration: Enabled|Disabled}), which
 *       mesh-control has already limited to this node's cluster.</li>
 * </ol>
 * With no switch at all the agent's default applies.
 */
public final class AccelerationRules {

    /** Both switches already hold in this node's cluster, so the cluster the rule is asked about does not matter. */
    private static final String THIS_CLUSTER = "";

    private final boolean defaultEnabled;

    public AccelerationRules(boolean defaultEnabled) {
        this.defaultEnabled = defaultEnabled;
    }

    public boolean accelerated(Optional<Boolean> label, Optional<Boolean> policy) {
        List<Switch> switches = new ArrayList<>(2);
        label.ifPresent(on -> switches.add(Switch.everywhere("namespace label", on)));
        policy.ifPresent(on -> switches.add(Switch.everywhere("AccelerationPolicy", on)));
        return AccelerationRule.decide(switches, THIS_CLUSTER).accelerated(defaultEnabled);
    }

    public boolean defaultEnabled() {
        return defaultEnabled;
    }
}
