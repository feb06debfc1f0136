package io.meshlane.lab.bench;

import io.meshlane.lab.capture.EbpfCapture;
import io.meshlane.lab.load.LoadResult;
import io.meshlane.lab.load.LoadSpec;
import io.meshlane.lab.node.Cgroups;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.PodMode;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code meshlane bench}: builds a lab with a client and a server pod per mode, warms every
 * path up, then runs the modes in interleaved rounds (direct, iptables, ebpf, direct, …) of
 * open-loop load at a fixed rate, and finally a closed-loop run per mode for maximum
 * throughput. CPU is the growth of usage_usec in the client's and server's cgroups'
 * cpu.stat during the open-loop runs (apps, sidecars and the kernel work charged to them).
 * The lab is removed afterwards, also when the run fails.
 */
public final class Bench {
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
        try (NodeLab lab = NodeLab.up(BenchTopology.spec(options.lab(), options.modes()))) {
            progress.accept("lab '" + options.lab() + "' up: " + lab.pods().size() + " pods");
            Map<PodMode, LoadAgentHandle> agents = new LinkedHashMap<>();
            try {
                for (PodMode mode : options.modes()) {
                    agents.put(mode, LoadAgentHandle.start(lab, lab.pod(BenchTopology.clientKey(mode))));
                }
                return measure(lab, agents);
            } finally {
                agents.values().forEach(LoadAgentHandle::close);
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook cleans up
            }
        }
    }

    private BenchResult measure(NodeLab lab, Map<PodMode, LoadAgentHandle> agents) {
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, List<Double>> roundP50s = new LinkedHashMap<>();
        List<String> errorSamples = new ArrayList<>();
        for (PodMode mode : options.modes()) {
            for (int payload : options.payloads()) {
                String key = BenchResult.key(mode.id(), payload);
                histograms.put(key, LoadResult.newHistogram());
                counts.put(key, new long[3]);
                roundP50s.put(key, new ArrayList<>());
            }
        }
        for (int payload : options.payloads()) {
            for (PodMode mode : options.modes()) {
                LoadResult warm = agents.get(mode).openLoop(spec(lab, mode, payload, options.warmup()));
                progress.accept(String.format("warm-up %-8s %5d B: %d requests, %d errors", mode.id(), payload,
                        warm.requests(), warm.errors()));
                collectErrors(mode, payload, warm, errorSamples);
                counts.get(BenchResult.key(mode.id(), payload))[1] += warm.errors();
            }
        }
        Map<String, Long> countersBefore = datapathCounters(lab);
        for (int round = 1; round <= options.rounds(); round++) {
            for (int payload : options.payloads()) {
                for (PodMode mode : options.modes()) {
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
            for (PodMode mode : options.modes()) {
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
        for (PodMode mode : options.modes()) {
            for (int payload : options.payloads()) {
                String key = BenchResult.key(mode.id(), payload);
                Histogram h = histograms.get(key);
                long[] c = counts.get(key);
                runs.add(new BenchRun(mode.id(), payload, options.rate(), options.connections(), c[0], c[1],
                        us(h, 50), us(h, 90), us(h, 99), us(h, 99.9), Math.round(maxRps.get(key)),
                        c[0] == 0 ? 0 : round3((double) c[2] / c[0])));
            }
        }
        return new BenchResult(runs, histograms, roundP50s, errorSamples, counterGrowth);
    }

    private LoadSpec spec(NodeLab lab, PodMode mode, int payload, java.time.Duration duration) {
        return new LoadSpec(lab.pod(BenchTopology.serverKey(mode)).ip(), BenchOptions.ECHO_PORT, payload,
                options.connections(), options.rate(), duration);
    }

    private Map<String, Long> datapathCounters(NodeLab lab) {
        return options.modes().contains(PodMode.EBPF) ? EbpfCapture.counters(lab.layout()) : Map.of();
    }

    private static long cpu(List<LabPod> pods) {
        return pods.stream().mapToLong(p -> Cgroups.usageMicros(p.cgroup())).sum();
    }

    private static void collectErrors(PodMode mode, int payload, LoadResult r, List<String> samples) {
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
