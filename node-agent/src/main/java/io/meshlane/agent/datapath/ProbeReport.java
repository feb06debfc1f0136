package io.meshlane.agent.datapath;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The result of probing this host; {@link #canAccelerate()} decides the datapath mode. */
public record ProbeReport(List<FeatureCheck> checks) {

    public ProbeReport {
        checks = List.copyOf(checks);
    }

    public boolean canAccelerate() {
        return checks.stream().allMatch(FeatureCheck::ok);
    }

    public Optional<FeatureCheck> check(Feature feature) {
        return checks.stream().filter(c -> c.feature() == feature).findFirst();
    }

    /** Why the datapath cannot accelerate, naming each missing feature and its remedy. */
    public String missingSummary() {
        return checks.stream().filter(c -> !c.ok())
                .map(c -> c.feature().description() + " missing (" + c.detail() + "): " + c.remedy())
                .collect(Collectors.joining("; "));
    }
}
