package io.meshlane.lab.cli;

import io.meshlane.lab.bench.Bench;
import io.meshlane.lab.bench.BenchOptions;
import io.meshlane.lab.bench.BenchReport;
import io.meshlane.lab.bench.BenchResult;
import io.meshlane.lab.spec.Durations;
import io.meshlane.lab.spec.PodMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code meshlane bench}: direct vs iptables vs ebpf, side by side, on one simulated node. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the mesh's latency, throughput and CPU per mode: client pod -> sidecar -> server pod's"
                + " sidecar -> server on one simulated node, modes in interleaved rounds.",
                "Exits 1 if any response is lost or corrupt."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--modes", split = ",", defaultValue = "direct,iptables,ebpf",
            description = "modes to compare, in round order (default: ${DEFAULT-VALUE})")
    List<String> modes;
    @Option(names = "--rate", defaultValue = "2000", description = "open-loop requests/s (default: ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--duration", defaultValue = "5s", description = "measured time per mode, payload and round (default: ${DEFAULT-VALUE})")
    String duration;
    @Option(names = "--payloads", split = ",", defaultValue = "64,1024", description = "message sizes in bytes (default: ${DEFAULT-VALUE})")
    List<Integer> payloads;
    @Option(names = "--connections", defaultValue = "4", description = "persistent connections (default: ${DEFAULT-VALUE})")
    int connections;
    @Option(names = "--rounds", defaultValue = "6", description = "interleaved rounds (default: ${DEFAULT-VALUE})")
    int rounds;
    @Option(names = "--warmup", defaultValue = "5s", description = "warm-up per mode and payload (default: ${DEFAULT-VALUE})")
    String warmup;
    @Option(names = "--max-duration", defaultValue = "5s", description = "closed-loop max-throughput run per mode and payload (default: ${DEFAULT-VALUE})")
    String maxDuration;
    @Option(names = "--max-inflight", defaultValue = "8", description = "closed loop: requests in flight per connection (default: ${DEFAULT-VALUE})")
    int maxInflight;
    @Option(names = "--json", paramLabel = "FILE", description = "write {\"runs\":[...]} here")
    Path json;
    @Option(names = "--report", paramLabel = "DIR", description = "write report.md and latency.png here")
    Path report;
    @Option(names = "--lab", defaultValue = "bench", description = "name of the lab the bench builds and removes (default: ${DEFAULT-VALUE})")
    String lab;
    @Option(names = "--telemetry-compare", description = "also run ebpf with the relays' Istio TCP metrics exported"
            + " (arm ebpf-otel, right after ebpf in every round) and report the p99 ratio off/on (target <= 1.03)")
    boolean telemetryCompare;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BenchOptions options;
        try {
            List<PodMode> parsed = new ArrayList<>();
            for (String m : modes) {
                parsed.add(PodMode.parse(m).orElseThrow(() -> new IllegalArgumentException(
                        "unknown mode '" + m + "' (expected " + PodMode.choices() + ")")));
            }
            options = new BenchOptions(parsed, rate, Durations.parse(duration), payloads, connections, rounds,
                    Durations.parse(warmup), Durations.parse(maxDuration), maxInflight, json, report, lab,
                    telemetryCompare);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 2;
        }
        return CliErrors.guard(spec, () -> {
            BenchResult result = new Bench(options, line -> {
                out.println(line);
                out.flush();
            }).run();
            if (json != null) {
                BenchReport.writeJson(result, json);
                out.println("wrote " + json);
            }
            if (report != null) {
                BenchReport.writeReport(result, options, report);
                out.println("wrote " + report.resolve("report.md") + " and " + report.resolve("latency.png"));
            }
            out.println(BenchReport.markdown(result, options));
            out.flush();
            if (result.errors() > 0) {
                err.println("error: " + result.errors() + " request(s) failed or came back corrupt: " + result.errorSamples());
                err.flush();
                return 1;
            }
            return 0;
        });
    }
}
