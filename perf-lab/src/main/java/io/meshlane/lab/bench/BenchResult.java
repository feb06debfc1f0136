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
                          @JsonIgnore List<TelemetryOverhead> telemetryOverhead) {

    public static String key(String mode, int payload) {
        return mode + "/" + payload;
    }

    @JsonIgnore
    public long errors() {
        return runs.stream().mapToLong(BenchRun::errors).sum();
    }
}
