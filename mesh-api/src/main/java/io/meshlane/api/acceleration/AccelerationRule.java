package io.meshlane.api.acceleration;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * How a namespace's switches decide its acceleration in one cluster, the same on the agent and in
 * mesh-control: only switches that apply to the cluster count; a Disabled one wins (either owner
 * can switch a namespace off, for example while debugging), else an Enabled one enables it, else
 * nothing is decided and the agent's default applies.
 */
public final class AccelerationRule {

    /** What the switches decide. */
    public enum State { ENABLED, DISABLED, DEFAULT }

    /** The state, the switches that decided it (in the order given) and the applying ones it overrode. */
    public record Decision(State state, List<Switch> decidedBy, List<Switch> overridden) {

        public boolean accelerated(boolean defaultEnabled) {
            return state == State.DEFAULT ? defaultEnabled : state == State.ENABLED;
        }
    }

    private AccelerationRule() {
    }

    public static Decision decide(Collection<Switch> switches, String cluster) {
        List<Switch> enabled = new ArrayList<>();
        List<Switch> disabled = new ArrayList<>();
        for (Switch s : switches) {
            if (s.appliesTo(cluster)) {
                (s.enabled() ? enabled : disabled).add(s);
            }
        }
        if (!disabled.isEmpty()) {
            return new Decision(State.DISABLED, List.copyOf(disabled), List.copyOf(enabled));
        }
        if (!enabled.isEmpty()) {
            return new Decision(State.ENABLED, List.copyOf(enabled), List.of());
        }
        return new Decision(State.DEFAULT, List.of(), List.of());
    }
}
