package io.meshlane.lab.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Writes the bench's JSON ({@code {"runs":[...]}}) and its report (report.md + latency.png). */
public final class BenchReport {
    private BenchReport() {
    }

    public static void writeJson(BenchResult result, Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(file.toFile(), json(result));
    }

    private static Map<String, Object> json(BenchResult result) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("runs", result.runs());
        if (!result.saturation().isEmpty()) {
            out.put("saturation", result.saturation());
            out.put("saturation_curve", result.saturationCurve());
        }
        out.put("round_spread", result.spread());
        out.put("machine", result.quietness());
        out.put("mesh_added_ratios", MeshAddedRatio.all(result));
        out.put("scheduler", result.scheduler());
        if (!result.telemetryOverhead().isEmpty()) {
            out.put("telemetry_overhead", result.telemetryOverhead());
        }
        return out;
    }

    public static void writeReport(BenchResult result, BenchOptions options, Path dir) throws IOException {
        Files.createDirectories(dir);
        LatencyPlot.write(result, options, dir.resolve("latency.png"));
        if (!result.saturation().isEmpty()) {
            Files.writeString(dir.resolve("saturation.svg"), SaturationPlot.svg(result, options));
        }
        Files.writeString(dir.resolve("report.md"), markdown(result, options));
    }

    public static String markdown(BenchResult result, BenchOptions options) {
        StringBuilder md = new StringBuilder();
        md.append("# meshlane bench\n\n");
        md.append(String.format("Open loop at %d req/s over %d persistent connections, %d interleaved round(s) of %.1f s"
                        + " per mode and payload after a %.1f s warm-up; closed loop %.1f s per mode and payload with %d request(s) in flight per connection for max throughput.%n%n",
                options.rate(), options.connections(), options.rounds(), options.duration().toMillis() / 1000.0,
                options.warmup().toMillis() / 1000.0, options.maxDuration().toMillis() / 1000.0, options.maxInflight()));
        md.append("Path: client pod → its sidecar → server pod's sidecar → echo server, on one simulated node.")
                .append(" The sidecar is meshlane's Netty relay standing in for Envoy (same relay in every mode).")
                .append(" Latency is measured from each request's intended send time (coordinated-omission corrected).")
                .append(" CPU is usage_usec from the client and server pods' cgroups.\n\n");
        md.append("![latency percentiles](latency.png)\n\n");
        md.append("| mode | path | payload | requests | errors | p50 µs | p90 µs | p99 µs | p99.9 µs | max req/s | CPU ms / 1k req |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (BenchRun r : result.runs()) {
            md.append(String.format("| %s | %s | %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.0f | %.3f |%n", r.mode(), r.path(), r.payload(),
                    r.requests(), r.errors(), r.p50Us(), r.p90Us(), r.p99Us(), r.p999Us(), r.maxRps(), r.cpuMsPer1k()));
        }
        md.append('\n');
        comparisons(result, options, md);
        quietSection(md, result);
        spreadSection(md, result);
        schedSection(md, result);
        saturationSection(md, result, options);
        if (!result.datapathCounters().isEmpty()) {
            long ebpfRequests = result.runs().stream().filter(r -> r.mode().equals("ebpf")).mapToLong(BenchRun::requests).sum();
            md.append("\n## Datapath counters during the open-loop rounds (ebpf pods)\n\n");
            md.append("| counter | growth | per request |\n|---|---:|---:|\n");
            result.datapathCounters().forEach((k, v) -> {
                if (v != 0) {
                    md.append(String.format("| %s | %d | %.2f |%n", k, v, ebpfRequests == 0 ? 0.0 : (double) v / ebpfRequests));
                }
            });
        }
        telemetrySection(md, result);
        md.append("\n## p50 per round (µs)\n\n");
        for (var e : result.roundP50s().entrySet()) {
            md.append("- ").append(e.getKey()).append(": ")
                    .append(e.getValue().stream().map(v -> String.format("%.1f", v)).toList()).append('\n');
        }
        if (!result.errorSamples().isEmpty()) {
            md.append("\n## Errors\n\n");
            result.errorSamples().forEach(e -> md.append("- ").append(e).append('\n'));
        }
        return md.toString();
    }

    private static void comparisons(BenchResult result, BenchOptions options, StringBuilder md) {
        md.append("## Mesh-added latency (mode − direct) and targets\n\n");
        md.append("| payload | metric | iptables | ebpf | ebpf / iptables | target | met |\n");
        md.append("|---:|---|---:|---:|---:|---|---|\n");
        boolean any = false;
        for (int payload : options.payloads()) {
            Optional<BenchRun> direct = find(result.runs(), "direct", payload);
            Optional<BenchRun> ipt = find(result.runs(), "iptables", payload);
            Optional<BenchRun> ebpf = find(result.runs(), "ebpf", payload);
            if (direct.isEmpty() || ipt.isEmpty()) {
                continue;
            }
            any = true;
            row(md, payload, "p50 added", ipt.get().p50Us() - direct.get().p50Us(),
                    ebpf.map(e -> e.p50Us() - direct.get().p50Us()), "≤ 0.60");
            double directMedian = medianRoundP50(result, "direct", payload);
            row(md, payload, "p50 added, median round", medianRoundP50(result, "iptables", payload) - directMedian,
                    ebpf.map(e -> medianRoundP50(result, "ebpf", payload) - directMedian), "≤ 0.60");
            row(md, payload, "p99 added", ipt.get().p99Us() - direct.get().p99Us(),
                    ebpf.map(e -> e.p99Us() - direct.get().p99Us()), "≤ 0.70");
            ratioRow(md, payload, "max req/s", ipt.get().maxRps(), ebpf.map(BenchRun::maxRps), "≥ 1.30", true);
            ratioRow(md, payload, "CPU ms/1k", ipt.get().cpuMsPer1k(), ebpf.map(BenchRun::cpuMsPer1k), "< 1.00", false);
        }
        if (!any) {
            md.append("| – | needs direct and iptables in --modes | | | | | |\n");
        }
    }

    private static void row(StringBuilder md, int payload, String metric, double ipt, Optional<Double> ebpf, String target) {
        double limit = Double.parseDouble(target.substring(2));
        String ratio = ebpf.map(e -> ipt <= 0 ? "n/a" : String.format("%.2f", e / ipt)).orElse("–");
        String met = ebpf.map(e -> ipt > 0 && e / ipt <= limit ? "yes" : "no").orElse("–");
        md.append(String.format("| %d | %s | %.1f µs | %s | %s | %s | %s |%n", payload, metric, ipt,
                ebpf.map(e -> String.format("%.1f µs", e)).orElse("–"), ratio, target, met));
    }

    private static void ratioRow(StringBuilder md, int payload, String metric, double ipt, Optional<Double> ebpf,
                                 String target, boolean higherIsBetter) {
        double limit = Double.parseDouble(target.substring(2));
        String ratio = ebpf.map(e -> ipt <= 0 ? "n/a" : String.format("%.2f", e / ipt)).orElse("–");
        String met = ebpf.map(e -> ipt > 0 && (higherIsBetter ? e / ipt >= limit : e / ipt < limit) ? "yes" : "no").orElse("–");
        md.append(String.format("| %d | %s | %.1f | %s | %s | %s | %s |%n", payload, metric, ipt,
                ebpf.map(e -> String.format("%.1f", e)).orElse("–"), ratio, target, met));
    }

    private static void quietSection(StringBuilder md, BenchResult result) {
        Quietness q = result.quietness();
        md.append("\n## How quiet the machine was (during the interleaved rounds)\n\n");
        md.append(String.format("Load average %.2f / %.2f / %.2f at the start, %.2f / %.2f / %.2f at the end; steal %.2f %%,"
                        + " busy %.1f %% of %d CPUs (/proc/stat, all processes including the bench).%s%n",
                q.loadStart()[0], q.loadStart()[1], q.loadStart()[2], q.loadEnd()[0], q.loadEnd()[1], q.loadEnd()[2],
                q.stealPct(), q.busyPct(), q.cpus(), q.loadStart()[0] > 0.5
                        ? " Not a quiet machine: other work competed for the CPUs, so read the medians and ratios, not absolute tails." : ""));
        md.append("\n| path | payload | p50 added ebpf ÷ iptables (median of rounds) | target | p99 added ebpf ÷ iptables (median of rounds) | target |\n");
        md.append("|---|---:|---:|---|---:|---|\n");
        for (MeshAddedRatio r : MeshAddedRatio.all(result)) {
            md.append(String.format("| %s | %d | %.2f | ≤ %.2f %s | %.2f | ≤ %.2f %s |%n", r.path(), r.payload(), r.p50Ratio(),
                    MeshAddedRatio.P50_TARGET, r.p50Ratio() <= MeshAddedRatio.P50_TARGET ? "met" : "not met", r.p99Ratio(),
                    MeshAddedRatio.P99_TARGET, r.p99Ratio() <= MeshAddedRatio.P99_TARGET ? "met" : "not met"));
        }
    }

    private static void spreadSection(StringBuilder md, BenchResult result) {
        md.append("\n## Spread across rounds (µs)\n\n");
        md.append("| mode | path | payload | rounds | p50 min | p50 median | p50 max | p99 min | p99 median | p99 max |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (RoundSpread r : result.spread()) {
            md.append(String.format("| %s | %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n", r.mode(), r.path(),
                    r.payload(), r.rounds(), r.p50Min(), r.p50Median(), r.p50Max(), r.p99Min(), r.p99Median(), r.p99Max()));
        }
    }

    private static void schedSection(StringBuilder md, BenchResult result) {
        md.append("\n## Scheduler cost per request (client + server pods: apps and sidecars, all threads)\n\n");
        md.append("| mode | path | payload | run-queue wait µs / req | voluntary switches / req | involuntary / req |\n");
        md.append("|---|---|---:|---:|---:|---:|\n");
        for (SchedPerRequest s : result.scheduler()) {
            md.append(String.format("| %s | %s | %d | %.2f | %.2f | %.2f |%n", s.mode(), s.path(), s.payload(),
                    s.runQueueWaitUs(), s.voluntary(), s.involuntary()));
        }
    }

    private static void saturationSection(StringBuilder md, BenchResult result, BenchOptions options) {
        if (result.saturation().isEmpty()) {
            return;
        }
        Saturation sat = options.saturation();
        md.append("\n## Saturation (open loop, offered rate stepped ×").append(sat.factor()).append(" from ")
                .append(sat.startRate()).append(" req/s, ").append(sat.stepDuration().toMillis() / 1000.0)
                .append(" s per step, modes interleaved; p99 budget ").append(sat.budgetMicros()).append(" µs)\n\n");
        md.append("![saturation curve](saturation.svg)\n\n");
        md.append("| path | payload | mode | sustained req/s | ÷ iptables |\n|---|---:|---|---:|---:|\n");
        for (SaturationResult r : result.saturation()) {
            Optional<SaturationResult> ipt = result.saturation().stream().filter(o -> o.mode().equals("iptables")
                    && o.path().equals(r.path()) && o.payload() == r.payload()).findFirst();
            md.append(String.format("| %s | %d | %s | %d | %s |%n", r.path(), r.payload(), r.mode(), r.sustainedRps(),
                    ipt.filter(i -> i.sustainedRps() > 0).map(i -> String.format("%.2f", (double) r.sustainedRps() / i.sustainedRps()))
                            .orElse("–")));
        }
        md.append("\nGoal: ebpf ≥ 1.5 × iptables. Every step (offered → p50 / p99 µs):\n\n");
        for (SaturationPoint p : result.saturationCurve()) {
            md.append(String.format("- %s %s %d B @ %d: %.1f / %.1f%s%n", p.mode(), p.path(), p.payload(), p.offeredRps(),
                    p.p50Us(), p.p99Us(), p.withinBudget() ? "" : " (breaks" + (p.errors() > 0 ? ", " + p.errors() + " errors" : "") + ")"));
        }
    }

    /** The ebpf telemetry off/on table, when the bench ran with --telemetry-compare. */
    static void telemetrySection(StringBuilder md, BenchResult result) {
        if (result.telemetryOverhead().isEmpty()) {
            return;
        }
        md.append("\n## Relay telemetry overhead (ebpf, telemetry off vs on, interleaved rounds)\n\n");
        md.append("| payload | median p50 off µs | median p50 on µs | median p99 off µs | median p99 on µs | median p99 ratio"
                + " | merged p99 off µs | merged p99 on µs | merged p99 ratio | target | met |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (TelemetryOverhead t : result.telemetryOverhead()) {
            md.append(String.format("| %d | %.1f | %.1f | %.1f | %.1f | %.3f | %.1f | %.1f | %.3f | ≤ %.2f | %s |%n",
                    t.payload(), t.medianP50Off(), t.medianP50On(), t.medianP99Off(), t.medianP99On(), t.medianP99Ratio(),
                    t.p99Off(), t.p99On(), t.p99Ratio(), t.target(), t.medianP99Ratio() <= t.target() ? "yes" : "no"));
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        if (sorted.isEmpty()) {
            return 0;
        }
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The median over rounds of each round's p50: robust to a round that met a busy machine. */
    static double medianRoundP50(BenchResult result, String mode, int payload) {
        return median(result.roundP50s().getOrDefault(BenchResult.key(mode, payload), List.of()));
    }

    static Optional<BenchRun> find(List<BenchRun> runs, String mode, int payload) {
        return runs.stream().filter(r -> r.mode().equals(mode) && r.payload() == payload
                && r.path().equals(BenchPath.SAME_NODE.id())).findFirst();
    }
}
