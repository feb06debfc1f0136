package io.meshlane.api.acceleration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.api.acceleration.AccelerationRule.Decision;
import io.meshlane.api.acceleration.AccelerationRule.State;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one acceleration rule, by its full truth table: label × policies × the agent's default, then cluster scoping. */
class AccelerationRuleTest {

    /**
     * label (- none, E enabled, D disabled) | policies applying to the cluster | default | accelerated, state.
     * Written out, not computed, so a change of the rule has to change this table.
     */
    private static final String[] TABLE = {
        "- | -   | on  | on  DEFAULT",
        "- | -   | off | off DEFAULT",
        "- | E   | on  | on  ENABLED",
        "- | E   | off | on  ENABLED",
        "- | D   | on  | off DISABLED",
        "- | D   | off | off DISABLED",
        "- | ED  | on  | off DISABLED",
        "- | ED  | off | off DISABLED",
        "E | -   | on  | on  ENABLED",
        "E | -   | off | on  ENABLED",
        "E | E   | on  | on  ENABLED",
        "E | E   | off | on  ENABLED",
        "E | D   | on  | off DISABLED",
        "E | D   | off | off DISABLED",
        "E | ED  | on  | off DISABLED",
        "E | ED  | off | off DISABLED",
        "D | -   | on  | off DISABLED",
        "D | -   | off | off DISABLED",
        "D | E   | on  | off DISABLED",
        "D | E   | off | off DISABLED",
        "D | D   | on  | off DISABLED",
        "D | D   | off | off DISABLED",
        "D | ED  | on  | off DISABLED",
        "D | ED  | off | off DISABLED",
    };

    @Test
    void everyCombinationOfLabelPoliciesAndDefault() {
        for (String row : TABLE) {
            String[] cell = row.split("\\|");
            List<Switch> switches = new ArrayList<>();
            String label = cell[0].strip();
            if (!label.equals("-")) {
                switches.add(Switch.everywhere("label", label.equals("E")));
            }
            String policies = cell[1].strip();
            if (!policies.equals("-")) {
                for (char p : policies.toCharArray()) {
                    switches.add(Switch.ofPolicy("policy " + p, p == 'E' ? "Enabled" : "Disabled", List.of()).orElseThrow());
                }
            }
            boolean defaultOn = cell[2].strip().equals("on");
            String[] expected = cell[3].strip().split("\\s+");
            Decision d = AccelerationRule.decide(switches, "east");
            assertEquals(expected[0].equals("on"), d.accelerated(defaultOn), row);
            assertEquals(State.valueOf(expected[1]), d.state(), row);
        }
    }

    @Test
    void aDisabledNamesWhatItOverrodeAndWhoDecided() {
        Switch on = Switch.everywhere("label", true);
        Switch off = Switch.ofPolicy("AccelerationPolicy shop/freeze", "Disabled", List.of()).orElseThrow();
        Decision d = AccelerationRule.decide(List.of(on, off), "east");
        assertEquals(List.of(off), d.decidedBy());
        assertEquals(List.of(on), d.overridden());
        assertEquals(List.of(), AccelerationRule.decide(List.of(on), "east").overridden());
    }

    @Test
    void specClustersLimitsAPolicyToTheClustersItNames() {
        Switch eastOff = Switch.ofPolicy("east-off", "Disabled", List.of("east")).orElseThrow();
        Switch westOn = Switch.ofPolicy("west-on", "Enabled", List.of("west", "north")).orElseThrow();
        Switch label = Switch.everywhere("label", true);

        assertEquals(State.DISABLED, AccelerationRule.decide(List.of(eastOff, westOn, label), "east").state());
        assertEquals(State.ENABLED, AccelerationRule.decide(List.of(eastOff, westOn), "west").state());
        assertEquals(State.ENABLED, AccelerationRule.decide(List.of(eastOff, westOn), "north").state());
        Decision south = AccelerationRule.decide(List.of(eastOff, westOn), "south");
        assertEquals(State.DEFAULT, south.state(), "a policy for other clusters decides nothing here");
        assertTrue(south.accelerated(true) && !south.accelerated(false));
        assertEquals(List.of(), south.overridden(), "switches for other clusters are not overridden, they do not apply");
    }

    @Test
    void onlyEnabledAndDisabledAreSwitches() {
        assertTrue(Switch.ofPolicy("p", "enabled", List.of()).isEmpty(), "the values are case-sensitive, as in the CRD's enum");
        assertTrue(Switch.ofPolicy("p", "", List.of()).isEmpty());
        assertTrue(Switch.ofPolicy("p", "Enabled", List.of()).orElseThrow().enabled());
    }
}
