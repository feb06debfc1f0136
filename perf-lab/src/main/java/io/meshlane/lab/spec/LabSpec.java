package io.meshlane.lab.spec;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A validated lab: its name, its pods, optionally where they export telemetry, and optionally the port of a
 * control plane's xDS (ADS) server on the host's loopback ({@code xdsPort} 0: none) that the sidecars take
 * their HTTP routes from.
 */
public record LabSpec(String name, List<PodSpec> pods, Optional<TelemetrySpec> telemetry, int xdsPort) {

    public static final String LAB_LABEL = "meshlane.io/lab";
    public static final String REDIRECTION_LABEL = "meshlane.io/redirection";

    public LabSpec {
        pods = List.copyOf(pods);
    }

    public LabSpec(String name, List<PodSpec> pods) {
        this(name, pods, Optional.empty());
    }

    public LabSpec(String name, List<PodSpec> pods, Optional<TelemetrySpec> telemetry) {
        this(name, pods, telemetry, 0);
    }

    /** The same lab whose sidecars route HTTP as the xDS server on the host's 127.0.0.1:{@code port} says. */
    public LabSpec withXds(int port) {
        if (port <= 0 || port > 65535) {
            throw new LabSpecException("xDS port " + port + " is not a TCP port (1-65535)");
        }
        return new LabSpec(name, pods, telemetry, port);
    }

    public Optional<PodSpec> pod(String key) {
        return pods.stream().filter(p -> p.key().equals(key)).findFirst();
    }

    /** The same pods under another lab name ([a-z0-9]{1,12}). */
    public LabSpec withName(String lab) {
        if (!PodFile.validLabName(lab)) {
            throw new LabSpecException("lab name '" + lab + "' must be 1-12 characters of [a-z0-9]");
        }
        return new LabSpec(lab, pods, telemetry, xdsPort);
    }

    /** The same lab exporting to {@code spec} (e.g. a test's or the control plane's OTLP endpoint). */
    public LabSpec withTelemetry(TelemetrySpec spec) {
        return new LabSpec(name, pods, Optional.of(spec), xdsPort);
    }

    /**
     * The labels each of the lab's namespaces carries, as a control plane should know them:
     * {@value #LAB_LABEL} (which lab made it), {@value #REDIRECTION_LABEL} (ebpf, iptables, direct, or
     * the modes joined with '.' when its pods differ: a label value allows no '+') and Istio's {@code istio-injection=enabled} when
     * its pods run sidecars. No acceleration label: whether a namespace accelerates stays the
     * operator's switch (an AccelerationPolicy), not something the lab decides for them.
     */
    public Map<String, Map<String, String>> namespaceLabels() {
        Map<String, TreeSet<String>> modes = new TreeMap<>();
        Map<String, Boolean> sidecars = new TreeMap<>();
        for (PodSpec pod : pods) {
            modes.computeIfAbsent(pod.namespace(), ns -> new TreeSet<>()).add(pod.mode().id());
            sidecars.merge(pod.namespace(), pod.sidecar(), Boolean::logicalOr);
        }
        Map<String, Map<String, String>> labels = new TreeMap<>();
        modes.forEach((ns, used) -> {
            Map<String, String> l = new TreeMap<>(Map.of(LAB_LABEL, name, REDIRECTION_LABEL, String.join(".", used)));
            if (sidecars.get(ns)) {
                l.put("istio-injection", "enabled");
            }
            labels.put(ns, l);
        });
        return labels;
    }

    public boolean uses(PodMode mode) {
        return pods.stream().anyMatch(p -> p.mode() == mode);
    }
}
