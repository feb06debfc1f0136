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
 * {@code meshlane bench}: builds a lab with a server pod per mode and a client pod per mode and
 * path, warms every lane up, then runs the modes in interleaved rounds (direct, iptables, ebpf, then ebpf, iptables, direct, …) of
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
        LabSpec spec = BenchTopology.specOf(options.lab(), arms, options.paths());
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
            Map<Lane, LoadAgentHandle> agents = new LinkedHashMap<>();
            try {
                for (BenchPath path : options.paths()) {
                    for (BenchArm arm : arms) {
                        agents.put(new Lane(arm, path), LoadAgentHandle.start(lab, lab.pod(BenchTopology.clientKey(arm, path))));
                    }
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

    /** One measured combination: an arm's client on one path. */
    record Lane(BenchArm arm, BenchPath path) {
        String key(int payload) {
            return BenchResult.key(arm.id(), path, payload);
        }

        String label() {
            return path == BenchPath.SAME_NODE ? arm.id() : arm.id() + "@" + path.id();
        }
    }

    private BenchResult measure(NodeLab lab, List<BenchArm> arms, Map<Lane, LoadAgentHandle> agents) {
        List<Lane> lanes = List.copyOf(agents.keySet());
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, List<Double>> roundP50s = new LinkedHashMap<>();
        Map<String, List<Double>> roundP99s = new LinkedHashMap<>();
        Map<String, SchedSample> sched = new LinkedHashMap<>();
        List<String> errorSamples = new ArrayList<>();
        for (Lane lane : lanes) {
            for (int payload : options.payloads()) {
                String key = lane.key(payload);
                histograms.put(key, LoadResult.newHistogram());
                counts.put(key, new long[3]);
                roundP50s.put(key, new ArrayList<>());
                roundP99s.put(key, new ArrayList<>());
                sched.put(key, new SchedSample(0, 0, 0));
            }
        }
        for (int payload : options.payloads()) {
            for (Lane lane : lanes) {
                LoadResult warm = agents.get(lane).openLoop(spec(lab, lane.arm(), payload, options.rate(), options.warmup()));
                progress.accept(String.format("warm-up %-8s %5d B: %d requests, %d errors", lane.label(), payload,
                        warm.requests(), warm.errors()));
                collectErrors(lane, payload, warm, errorSamples);
                counts.get(lane.key(payload))[1] += warm.errors();
            }
        }
        Map<String, Long> countersBefore = datapathCounters(lab);
        MachineLoad loadBefore = MachineLoad.sample();
        for (int round = 1; round <= options.rounds(); round++) {
            // every other round runs the lanes in reverse, so no arm always follows the same one
            List<Lane> order = round % 2 == 1 ? lanes : lanes.reversed();
            for (int payload : options.payloads()) {
                for (Lane lane : order) {
                    String key = lane.key(payload);
                    List<LabPod> pods = List.of(lab.pod(BenchTopology.clientKey(lane.arm(), lane.path())),
                            lab.pod(BenchTopology.serverKey(lane.arm())));
                    SchedSample schedBefore = SchedSample.of(pods);
                    long cpuBefore = cpu(pods);
                    LoadResult r = agents.get(lane).openLoop(spec(lab, lane.arm(), payload, options.rate(), options.duration()));
                    long cpuUsed = cpu(pods) - cpuBefore;
                    sched.put(key, sched.get(key).plus(SchedSample.of(pods).minus(schedBefore)));
                    histograms.get(key).add(r.latency());
                    long[] c = counts.get(key);
                    c[0] += r.requests();
                    c[1] += r.errors();
                    c[2] += cpuUsed;
                    double p50 = r.latency().getValueAtPercentile(50) / 1000.0;
                    roundP50s.get(key).add(p50);
                    roundP99s.get(key).add(r.latency().getValueAtPercentile(99) / 1000.0);
                    collectErrors(lane, payload, r, errorSamples);
                    progress.accept(String.format("round %d/%d %-8s %5d B: %6d req, %d err, p50 %.1f us, p99 %.1f us, cpu %.1f ms",
                            round, options.rounds(), lane.label(), payload, r.requests(), r.errors(), p50,
                            r.latency().getValueAtPercentile(99) / 1000.0, cpuUsed / 1000.0));
                }
            }
        }
        Quietness quietness = loadBefore.until(MachineLoad.sample());
        progress.accept(String.format("machine during the rounds: load %.2f -> %.2f, steal %.2f %%, busy %.1f %% of %d cpus",
                quietness.loadStart()[0], quietness.loadEnd()[0], quietness.stealPct(), quietness.busyPct(), quietness.cpus()));
        Map<String, Long> countersAfter = datapathCounters(lab);
        Map<String, Long> counterGrowth = new LinkedHashMap<>();
        countersAfter.forEach((k, v) -> counterGrowth.put(k, v - countersBefore.getOrDefault(k, 0L)));
        Map<String, Double> maxRps = new LinkedHashMap<>();
        for (int payload : options.payloads()) {
            for (Lane lane : lanes) {
                LoadSpec open = spec(lab, lane.arm(), payload, options.rate(), options.maxDuration());
                LoadResult r = agents.get(lane).closedLoop(new LoadSpec(open.host(), open.port(), open.payload(),
                        open.connections(), open.rate(), open.duration(), options.maxInflight()));
                maxRps.put(lane.key(payload), r.requestsPerSecond());
                counts.get(lane.key(payload))[1] += r.errors();
                collectErrors(lane, payload, r, errorSamples);
                progress.accept(String.format("closed loop %-8s %5d B: %.0f req/s, %d errors", lane.label(), payload,
                        r.requestsPerSecond(), r.errors()));
            }
        }
        List<SaturationPoint> curve = new ArrayList<>();
        List<SaturationResult> saturation = options.saturation() == null ? List.of()
                : saturate(lab, lanes.stream().filter(l -> !l.arm().telemetry()).toList(), agents, curve, errorSamples);
        List<BenchRun> runs = new ArrayList<>();
        List<RoundSpread> spread = new ArrayList<>();
        List<SchedPerRequest> schedPerRequest = new ArrayList<>();
        for (Lane lane : lanes) {
            for (int payload : options.payloads()) {
                String key = lane.key(payload);
                Histogram h = histograms.get(key);
                long[] c = counts.get(key);
                runs.add(new BenchRun(lane.arm().id(), lane.path().id(), payload, options.rate(), options.connections(), c[0], c[1],
                        us(h, 50), us(h, 90), us(h, 99), us(h, 99.9), Math.round(maxRps.get(key)),
                        c[0] == 0 ? 0 : round3((double) c[2] / c[0])));
                spread.add(RoundSpread.of(lane.arm().id(), lane.path().id(), payload, roundP50s.get(key), roundP99s.get(key)));
                schedPerRequest.add(SchedPerRequest.of(lane.arm().id(), lane.path().id(), payload, sched.get(key), c[0]));
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
        return new BenchResult(runs, histograms, roundP50s, errorSamples, counterGrowth, roundP99s, overhead, spread,
                quietness, saturation, curve, schedPerRequest);
    }

    /**
     * Steps the offered rate for every lane and payload (lanes interleaved at each step, the order
     * reversed every other step) until the lane's p99 exceeds the budget or errors appear twice in a
     * row; a lane's sustained rate is the last step it held.
     */
    private List<SaturationResult> saturate(NodeLab lab, List<Lane> lanes, Map<Lane, LoadAgentHandle> agents,
                                            List<SaturationPoint> curve, List<String> errorSamples) {
        Saturation sat = options.saturation();
        List<SaturationResult> results = new ArrayList<>();
        for (int payload : options.payloads()) {
            Map<Lane, Integer> sustained = new LinkedHashMap<>();
            List<Lane> active = new ArrayList<>(lanes);
            lanes.forEach(l -> sustained.put(l, 0));
            int step = 0;
            for (int rate = sat.startRate(); rate > 0 && !active.isEmpty(); rate = sat.next(rate), step++) {
                List<Lane> order = step % 2 == 0 ? List.copyOf(active) : List.copyOf(active).reversed();
                for (Lane lane : order) {
                    SaturationPoint p = saturationStep(lab, lane, agents.get(lane), payload, rate, errorSamples);
                    if (!p.withinBudget()) {
                        p = saturationStep(lab, lane, agents.get(lane), payload, rate, errorSamples); // confirm: one retry
                    }
                    curve.add(p);
                    if (p.withinBudget()) {
                        sustained.put(lane, rate);
                    } else {
                        active.remove(lane);
                    }
                }
            }
            sustained.forEach((lane, rps) -> results.add(new SaturationResult(lane.arm().id(), lane.path().id(), payload,
                    rps, sat.budgetMicros())));
        }
        return results;
    }

    private SaturationPoint saturationStep(NodeLab lab, Lane lane, LoadAgentHandle agent, int payload, int rate,
                                           List<String> errorSamples) {
        Saturation sat = options.saturation();
        LoadResult r = agent.openLoop(spec(lab, lane.arm(), payload, rate, sat.stepDuration()));
        double p50 = us(r.latency(), 50);
        double p99 = us(r.latency(), 99);
        boolean ok = r.errors() == 0 && r.requests() > 0 && p99 <= sat.budgetMicros();
        collectErrors(lane, payload, r, errorSamples);
        progress.accept(String.format("saturation %-8s %5d B @ %6d req/s: p50 %.1f us, p99 %.1f us, %d err -> %s",
                lane.label(), payload, rate, p50, p99, r.errors(), ok ? "holds" : "breaks"));
        return new SaturationPoint(lane.arm().id(), lane.path().id(), payload, rate, Math.round(r.requestsPerSecond()),
                p50, p99, r.errors(), ok);
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private LoadSpec spec(NodeLab lab, BenchArm arm, int payload, int rate, java.time.Duration duration) {
        return new LoadSpec(lab.pod(BenchTopology.serverKey(arm)).ip(), BenchOptions.ECHO_PORT, payload,
                options.connections(), rate, duration);
    }

    private Map<String, Long> datapathCounters(NodeLab lab) {
        return options.modes().contains(PodMode.EBPF) ? EbpfCapture.counters(lab.layout()) : Map.of();
    }

    private static long cpu(List<LabPod> pods) {
        return pods.stream().mapToLong(p -> Cgroups.usageMicros(p.cgroup())).sum();
    }

    private static void collectErrors(Lane lane, int payload, LoadResult r, List<String> samples) {
        for (String e : r.errorSamples()) {
            if (samples.size() < 20) {
                samples.add(lane.label() + "/" + payload + ": " + e);
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
