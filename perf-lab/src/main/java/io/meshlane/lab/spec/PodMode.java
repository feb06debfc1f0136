package io.meshlane.lab.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** How a pod's traffic reaches its sidecar. */
public enum PodMode {
    /** No sidecar: the application talks to the peer directly (the floor). */
    DIRECT,
    /** Istio's istio-init nat rules inside the pod's network namespace. */
    IPTABLES,
    /** The node agent's eBPF programs; no iptables. */
    EBPF;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<PodMode> parse(String text) {
        return Arrays.stream(values()).filter(m -> m.id().equals(text.trim().toLowerCase(Locale.ROOT))).findFirst();
    }

    public static String choices() {
        return Arrays.stream(values()).map(PodMode::id).collect(Collectors.joining(", "));
    }
}
