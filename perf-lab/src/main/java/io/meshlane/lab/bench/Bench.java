package io.meshlane.lab.bench;

import io.meshlane.lab.capture.EbpfCapture;
import io.meshlane.lab.load.LoadResult;
import io.meshlane.lab.load.LoadSpec;
import io.meshlane.lab.node.Cgroups;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.node.LabException;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodMode;
import io.meshlane.lab.spec.TelemetrySpec;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code meshlane bench}: builds a lab with a client and a server pod per mode, warms every
 * path up, then runs the modes in interleaved rounds (direct, iptables, ebpf, then ebpf, iptables, direct, …) of
 * open-loop load at a fixed rate, and finally a closed-loop run per mode for maximum
 * throughput. CPU is the growth of usage_usec in the client's and server's cgroups'
 * cpu.stat during the open-loop runs (apps, sidecars and the kernel work charged to them).
 * The lab is removed afterwards, also when the run fails.
 */
public final class Bench {
    static final java.time.Duration RELAY_EXPORT_INTERVAL = java.time.Duration.ofSeconds(5);
    private final BenchOptions options;
    private final Consumer<String> progress;

    public Bench(BenchOptions options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    public BenchResult run() {
        NodeLab.down(options.lab());
        Thread cleanup = new Thread(() -> NodeLab.down(options.lab()), "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        List<BenchArm> arms = BenchArm.all(options);
        LabSpec spec = BenchTopology.specOf(options.lab(), arms);
        OtlpSink sink = null;
        try {
            if (options.telemetryCompare()) {
                sink = new OtlpSink();
                // Envoy flushes its stats every 5 s by default: the relays export as often, not every second
                spec = spec.withTelemetry(TelemetrySpec.http(sink.endpoint()).withExportInterval(RELAY_EXPORT_INTERVAL));
            }
        } catch (java.io.IOException e) {
            throw new LabException("cannot start the bench's OTLP sink on 127.0.0.1: " + e.getMessage(), e);
        }
        try (NodeLab lab = NodeLab.up(spec)) {
            progress.accept("lab '" + options.lab() + "' up: " + lab.pods().size() + " pods");
            Map<BenchArm, LoadAgentHandle> agents = new LinkedHashMap<>();
            try {
                for (BenchArm arm : arms) {
                    agents.put(arm, LoadAgentHandle.start(lab, lab.pod(BenchTopology.clientKey(arm))));
                }
                BenchResult result = measure(lab, arms, agents);
                if (sink != null) {
                    progress.accept(String.format("telemetry: the relays exported %d OTLP requests, %d bytes",
                            sink.requests(), sink.bytes()));
                }
                return result;
            } finally {
                agents.values().forEach(LoadAgentHandle::close);
            }
        } finally {
            if (sink != null) {
                sink.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook cleans up
            }
        }
    }

    private BenchResult measure(NodeLab lab, List<BenchArm> arms, Map<BenchArm, LoadAgentHandle> agents) {
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, List<Double>> roundP50s = new LinkedHashMap<>();
        Map<String, List<Double>> roundP99s = new LinkedHashMap<>();
        List<String> errorSamples = new ArrayList<>();
        for (BenchArm mode : arms) {
            for (int payload : options.payloads()) {
                String key = BenchResult.key(mode.id(), payload);
                histograms.put(key, LoadResult.newHistogram());
                counts.put(key, new long[3]);
                roundP50s.put(key, new ArrayList<>());
                roundP99s.put(key, new ArrayList<>());
            }
        }
        for (int payload : options.payloads()) {
            for (BenchArm mode : arms) {
                LoadResult warm = agents.get(mode).openLoop(spec(lab, mode, payload, options.warmup()));
                progress.accept(String.format("warm-up %-8s %5d B: %d requests, %d errors", mode.id(), payload,
                        warm.requests(), warm.errors()));
                collectErrors(mode, payload, warm, errorSamples);
                counts.get(BenchResult.key(mode.id(), payload))[1] += warm.errors();
            }
        }
        Map<String, Long> countersBefore = datapathCounters(lab);
        for (int round = 1; round <= options.rounds(); round++) {
            // every other round runs the arms in reverse, so no arm always follows the same one
            List<BenchArm> order = round % 2 == 1 ? arms : arms.reversed();
            for (int payload : options.payloads()) {
                for (BenchArm mode : order) {
                    String key = BenchResult.key(mode.id(), payload);
                    List<LabPod> pods = List.of(lab.pod(BenchTopology.clientKey(mode)), lab.pod(BenchTopology.serverKey(mode)));
                    long cpuBefore = cpu(pods);
                    LoadResult r = agents.get(mode).openLoop(spec(lab, mode, payload, options.duration()));
                    long cpuUsed = cpu(pods) - cpuBefore;
                    histograms.get(key).add(r.latency());
                    long[] c = counts.get(key);
                    c[0] += r.requests();
                    c[1] += r.errors();
                    c[2] += cpuUsed;
                    double p50 = r.latency().getValueAtPercentile(50) / 1000.0;
                    roundP50s.get(key).add(p50);
                    roundP99s.get(key).add(r.latency().getValueAtPercentile(99) / 1000.0);
                    collectErrors(mode, payload, r, errorSamples);
                    progress.accept(String.format("round %d/%d %-8s %5d B: %6d req, %d err, p50 %.1f us, p99 %.1f us, cpu %.1f ms",
                            round, options.rounds(), mode.id(), payload, r.requests(), r.errors(), p50,
                            r.latency().getValueAtPercentile(99) / 1000.0, cpuUsed / 1000.0));
                }
            }
        }
        Map<String, Long> countersAfter = datapathCounters(lab);
        Map<String, Long> counterGrowth = new LinkedHashMap<>();
        countersAfter.forEach((k, v) -> counterGrowth.put(k, v - countersBefore.getOrDefault(k, 0L)));
        Map<String, Double> maxRps = new LinkedHashMap<>();
        for (int payload : options.payloads()) {
            for (BenchArm mode : arms) {
                LoadSpec open = spec(lab, mode, payload, options.maxDuration());
                LoadResult r = agents.get(mode).closedLoop(new LoadSpec(open.host(), open.port(), open.payload(),
                        open.connections(), open.rate(), open.duration(), options.maxInflight()));
                maxRps.put(BenchResult.key(mode.id(), payload), r.requestsPerSecond());
                counts.get(BenchResult.key(mode.id(), payload))[1] += r.errors();
                collectErrors(mode, payload, r, errorSamples);
                progress.accept(String.format("closed loop %-8s %5d B: %.0f req/s, %d errors", mode.id(), payload,
                        r.requestsPerSecond(), r.errors()));
            }
        }
        List<BenchRun> runs = new ArrayList<>();
        for (BenchArm mode : arms) {
            for (int payload : options.payloads()) {
                String key = BenchResult.key(mode.id(), payload);
                Histogram h = histograms.get(key);
                long[] c = counts.get(key);
                runs.add(new BenchRun(mode.id(), payload, options.rate(), options.connections(), c[0], c[1],
                        us(h, 50), us(h, 90), us(h, 99), us(h, 99.9), Math.round(maxRps.get(key)),
                        c[0] == 0 ? 0 : round3((double) c[2] / c[0])));
            }
        }
        List<TelemetryOverhead> overhead = new ArrayList<>();
        if (options.telemetryCompare()) {
            for (int payload : options.payloads()) {
                String off = BenchResult.key(PodMode.EBPF.id(), payload);
                String on = BenchResult.key(BenchArm.EBPF_TELEMETRY, payload);
                double medianOff = BenchReport.median(roundP99s.get(off));
                double medianOn = BenchReport.median(roundP99s.get(on));
                double p99Off = us(histograms.get(off), 99);
                double p99On = us(histograms.get(on), 99);
                overhead.add(new TelemetryOverhead(payload, round1(BenchReport.median(roundP50s.get(off))),
                        round1(BenchReport.median(roundP50s.get(on))), round1(medianOff), round1(medianOn),
                        medianOff <= 0 ? 0 : round3(medianOn / medianOff), p99Off, p99On,
                        p99Off <= 0 ? 0 : round3(p99On / p99Off), TelemetryOverhead.TARGET));
            }
        }
        return new BenchResult(runs, histograms, roundP50s, errorSamples, counterGrowth, roundP99s, overhead);
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private LoadSpec spec(NodeLab lab, BenchArm mode, int payload, java.time.Duration duration) {
        return new LoadSpec(lab.pod(BenchTopology.serverKey(mode)).ip(), BenchOptions.ECHO_PORT, payload,
                options.connections(), options.rate(), duration);
    }

    private Map<String, Long> datapathCounters(NodeLab lab) {
        return options.modes().contains(PodMode.EBPF) ? EbpfCapture.counters(lab.layout()) : Map.of();
    }

    private static long cpu(List<LabPod> pods) {
        return pods.stream().mapToLong(p -> Cgroups.usageMicros(p.cgroup())).sum();
    }

    private static void collectErrors(BenchArm mode, int payload, LoadResult r, List<String> samples) {
        for (String e : r.errorSamples()) {
            if (samples.size() < 20) {
                samples.add(mode.id() + "/" + payload + ": " + e);
            }
        }
    }

    private static double us(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : Math.round(h.getValueAtPercentile(percentile) / 100.0) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
