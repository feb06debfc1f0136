package io.meshlane.lab.bench;

import io.meshlane.lab.spec.PodMode;

import java.util.ArrayList;
import java.util.List;

/**
 * One compared configuration of the bench: a mode, and whether its sidecars export Istio's TCP
 * metrics. Every arm gets its own client/server pair in namespace {@code bench-<id>}.
 */
public record BenchArm(String id, PodMode mode, boolean telemetry) {
    /** The ebpf arm whose relays export telemetry, run right after plain ebpf in every round. */
    public static final String EBPF_TELEMETRY = "ebpf-otel";

    public static BenchArm of(PodMode mode) {
        return new BenchArm(mode.id(), mode, false);
    }

    /** The options' modes in round order, plus {@link #EBPF_TELEMETRY} after ebpf with --telemetry-compare. */
    public static List<BenchArm> all(BenchOptions options) {
        List<BenchArm> arms = new ArrayList<>();
        for (PodMode mode : options.modes()) {
            arms.add(of(mode));
            if (mode == PodMode.EBPF && options.telemetryCompare()) {
                arms.add(new BenchArm(EBPF_TELEMETRY, PodMode.EBPF, true));
            }
        }
        return arms;
    }

    public String namespace() {
        return "bench-" + id;
    }
}
