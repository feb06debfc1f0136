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
        if (!result.telemetryOverhead().isEmpty()) {
            out.put("telemetry_overhead", result.telemetryOverhead());
        }
        return out;
    }

    public static void writeReport(BenchResult result, BenchOptions options, Path dir) throws IOException {
        Files.createDirectories(dir);
        LatencyPlot.write(result, options, dir.resolve("latency.png"));
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
        md.append("| mode | payload | requests | errors | p50 µs | p90 µs | p99 µs | p99.9 µs | max req/s | CPU ms / 1k req |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (BenchRun r : result.runs()) {
            md.append(String.format("| %s | %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.0f | %.3f |%n", r.mode(), r.payload(),
                    r.requests(), r.errors(), r.p50Us(), r.p90Us(), r.p99Us(), r.p999Us(), r.maxRps(), r.cpuMsPer1k()));
        }
        md.append('\n');
        comparisons(result, options, md);
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
        return runs.stream().filter(r -> r.mode().equals(mode) && r.payload() == payload).findFirst();
    }
}
