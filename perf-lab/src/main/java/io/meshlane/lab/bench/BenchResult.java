package io.meshlane.lab.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Map;

/**
 * The whole bench: the JSON rows, plus (not serialised) each row's merged latency histogram
 * (key "mode/payload"), the per-round p50s and how much the datapath's counters grew over the
 * measured open-loop rounds (empty without ebpf) for the report.
 */
public record BenchResult(List<BenchRun> runs,
                          @JsonIgnore Map<String, Histogram> histograms,
                          @JsonIgnore Map<String, List<Double>> roundP50s,
                          @JsonIgnore List<String> errorSamples,
                          @JsonIgnore Map<String, Long> datapathCounters,
                          @JsonIgnore Map<String, List<Double>> roundP99s,
                          @JsonIgnore List<TelemetryOverhead> telemetryOverhead,
                          @JsonIgnore List<RoundSpread> spread,
                          @JsonIgnore Quietness quietness,
                          @JsonIgnore List<SaturationResult> saturation,
                          @JsonIgnore List<SaturationPoint> saturationCurve,
                          @JsonIgnore List<SchedPerRequest> scheduler) {

    /** Same-node key. */
    public static String key(String mode, int payload) {
        return key(mode, BenchPath.SAME_NODE, payload);
    }

    public static String key(String mode, BenchPath path, int payload) {
        return path == BenchPath.SAME_NODE ? mode + "/" + payload : mode + "@" + path.id() + "/" + payload;
    }

    @JsonIgnore
    public long errors() {
        return runs.stream().mapToLong(BenchRun::errors).sum();
    }
}
