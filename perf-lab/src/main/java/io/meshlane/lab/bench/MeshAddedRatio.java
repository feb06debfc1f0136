package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.ArrayList;
import java.util.List;

/**
 * Mesh-added latency (mode − direct) ebpf ÷ iptables on one path and payload, from the medians of
 * the per-round p50s and p99s (a round that met a busy machine moves a median little).
 * Targets (issue 18, on a quiet machine): ≤ 0.40 at p50, ≤ 0.50 at p99.
 */
@JsonPropertyOrder({"path", "payload", "p50_added_ratio", "p99_added_ratio", "p50_target", "p99_target"})
public record MeshAddedRatio(String path, int payload, @JsonProperty("p50_added_ratio") double p50Ratio,
                             @JsonProperty("p99_added_ratio") double p99Ratio) {
    static final double P50_TARGET = 0.40;
    static final double P99_TARGET = 0.50;

    @JsonProperty("p50_target")
    public double p50Target() {
        return P50_TARGET;
    }

    @JsonProperty("p99_target")
    public double p99Target() {
        return P99_TARGET;
    }

    /** Every path and payload that has direct, iptables and ebpf rounds. */
    static List<MeshAddedRatio> all(BenchResult result) {
        List<MeshAddedRatio> out = new ArrayList<>();
        for (RoundSpread ebpf : result.spread()) {
            if (!ebpf.mode().equals("ebpf")) {
                continue;
            }
            RoundSpread direct = find(result, "direct", ebpf);
            RoundSpread ipt = find(result, "iptables", ebpf);
            if (direct == null || ipt == null) {
                continue;
            }
            out.add(new MeshAddedRatio(ebpf.path(), ebpf.payload(),
                    ratio(ebpf.p50Median() - direct.p50Median(), ipt.p50Median() - direct.p50Median()),
                    ratio(ebpf.p99Median() - direct.p99Median(), ipt.p99Median() - direct.p99Median())));
        }
        return out;
    }

    private static RoundSpread find(BenchResult result, String mode, RoundSpread like) {
        return result.spread().stream().filter(s -> s.mode().equals(mode) && s.path().equals(like.path())
                && s.payload() == like.payload()).findFirst().orElse(null);
    }

    private static double ratio(double ebpf, double iptables) {
        return iptables <= 0 ? 0 : Math.round(ebpf / iptables * 100) / 100.0;
    }
}
