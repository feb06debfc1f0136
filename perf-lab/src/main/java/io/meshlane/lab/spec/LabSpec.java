package io.meshlane.lab.spec;

import java.util.List;
import java.util.Optional;

/** A validated lab: its name, its pods and, optionally, where they export telemetry. */
public record LabSpec(String name, List<PodSpec> pods, Optional<TelemetrySpec> telemetry) {

    public LabSpec {
        pods = List.copyOf(pods);
    }

    public LabSpec(String name, List<PodSpec> pods) {
        this(name, pods, Optional.empty());
    }

    public Optional<PodSpec> pod(String key) {
        return pods.stream().filter(p -> p.key().equals(key)).findFirst();
    }

    /** The same pods under another lab name ([a-z0-9]{1,12}). */
    public LabSpec withName(String lab) {
        if (!PodFile.validLabName(lab)) {
            throw new LabSpecException("lab name '" + lab + "' must be 1-12 characters of [a-z0-9]");
        }
        return new LabSpec(lab, pods, telemetry);
    }

    /** The same lab exporting to {@code spec} (e.g. a test's or the control plane's OTLP endpoint). */
    public LabSpec withTelemetry(TelemetrySpec spec) {
        return new LabSpec(name, pods, Optional.of(spec));
    }

    public boolean uses(PodMode mode) {
        return pods.stream().anyMatch(p -> p.mode() == mode);
    }
}
