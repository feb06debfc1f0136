package io.meshlane.lab.spec;

import java.util.List;
import java.util.Optional;

/** A validated lab: its name and its pods. */
public record LabSpec(String name, List<PodSpec> pods) {

    public LabSpec {
        pods = List.copyOf(pods);
    }

    public Optional<PodSpec> pod(String key) {
        return pods.stream().filter(p -> p.key().equals(key)).findFirst();
    }

    /** The same pods under another lab name ([a-z0-9]{1,12}). */
    public LabSpec withName(String lab) {
        if (!PodFile.validLabName(lab)) {
            throw new LabSpecException("lab name '" + lab + "' must be 1-12 characters of [a-z0-9]");
        }
        return new LabSpec(lab, pods);
    }

    public boolean uses(PodMode mode) {
        return pods.stream().anyMatch(p -> p.mode() == mode);
    }
}
