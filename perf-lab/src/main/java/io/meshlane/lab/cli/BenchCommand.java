package io.meshlane.lab.cli;

import io.meshlane.lab.bench.Bench;
import io.meshlane.lab.bench.BenchArm;
import io.meshlane.lab.bench.BenchOptions;
import io.meshlane.lab.bench.BenchReport;
import io.meshlane.lab.bench.BenchPath;
import io.meshlane.lab.bench.BenchResult;
import io.meshlane.lab.bench.BenchTopology;
import io.meshlane.lab.bench.Saturation;
import io.meshlane.lab.spec.Durations;
import io.meshlane.lab.spec.PodMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
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
                + " sidecar -> server on one simulated node (--paths cross-node: client on a second node), modes in interleaved rounds.",
                "Exits 1 if any response is lost or corrupt."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    LabRun run = new LabRun("bench", "5s", "5s");

    @Option(names = "--modes", split = ",", defaultValue = "direct,iptables,ebpf",
            description = "modes to compare, in round order (default: ${DEFAULT-VALUE})")
    List<String> modes;
    @Option(names = "--rate", defaultValue = "2000", description = "open-loop requests/s (default: ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--payloads", split = ",", defaultValue = "64,1024", description = "message sizes in bytes (default: ${DEFAULT-VALUE})")
    List<Integer> payloads;
    @Option(names = "--connections", defaultValue = "4", description = "persistent connections (default: ${DEFAULT-VALUE})")
    int connections;
    @Option(names = "--rounds", defaultValue = "6", description = "interleaved rounds (default: ${DEFAULT-VALUE})")
    int rounds;
    @Option(names = "--max-duration", defaultValue = "5s", description = "closed-loop max-throughput run per mode and payload (default: ${DEFAULT-VALUE})")
    String maxDuration;
    @Option(names = "--max-inflight", defaultValue = "8", description = "closed loop: requests in flight per connection (default: ${DEFAULT-VALUE})")
    int maxInflight;
    @Option(names = "--report", paramLabel = "DIR", description = "write report.md and latency.png here")
    Path report;
    @Option(names = "--telemetry-compare", description = "also run ebpf with the relays' Istio TCP metrics exported"
            + " (arm ebpf-otel, right after ebpf in every round) and report the p99 ratio off/on (target <= 1.03)")
    boolean telemetryCompare;

    @Option(names = "--paths", split = ",", defaultValue = "same-node",
            description = "client placement(s): same-node, cross-node (default: ${DEFAULT-VALUE})")
    List<String> paths;
    @Option(names = "--saturation", description = "after the rounds, step the offered rate per mode and path (open loop)"
            + " until p99 exceeds --p99-budget or errors appear; report the highest sustained rate and the curve")
    boolean saturation;
    @Option(names = "--p99-budget", defaultValue = "1ms", description = "saturation: p99 a sustained rate must hold (default: ${DEFAULT-VALUE})")
    String p99Budget;
    @Option(names = "--start-rate", defaultValue = "1000", description = "saturation: first offered rate, req/s (default: ${DEFAULT-VALUE})")
    int startRate;
    @Option(names = "--step-factor", defaultValue = "1.5", description = "saturation: rate multiplier per step (default: ${DEFAULT-VALUE})")
    double stepFactor;
    @Option(names = "--max-rate", defaultValue = "200000", description = "saturation: highest rate tried, req/s (default: ${DEFAULT-VALUE})")
    int maxRate;
    @Option(names = "--step-duration", defaultValue = "2s", description = "saturation: open-loop run per step, mode and path (default: ${DEFAULT-VALUE})")
    String stepDuration;

    @Override
    public Integer call() {
        return LabRun.execute(spec, this::options, (options, progress) -> {
            BenchResult result = new Bench(options, progress).run();
            PrintWriter out = spec.commandLine().getOut();
            if (options.json() != null) {
                BenchReport.writeJson(result, options.json());
                out.println("wrote " + options.json());
            }
            if (report != null) {
                BenchReport.writeReport(result, options, report);
                out.println("wrote " + report.resolve("report.md") + " and " + report.resolve("latency.png")
                        + (result.saturation().isEmpty() ? "" : " and " + report.resolve("saturation.svg")));
            }
            out.println(BenchReport.markdown(result, options));
            out.flush();
            if (result.errors() > 0) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("error: " + result.errors() + " request(s) failed or came back corrupt: " + result.errorSamples());
                err.flush();
                return 1;
            }
            return 0;
        });
    }

    private BenchOptions options() {
        List<PodMode> parsed = new ArrayList<>();
        for (String m : modes) {
            parsed.add(PodMode.parse(m).orElseThrow(() -> new IllegalArgumentException(
                    "unknown mode '" + m + "' (expected " + PodMode.choices() + ")")));
        }
        List<BenchPath> parsedPaths = new ArrayList<>();
        for (String p : paths) {
            parsedPaths.add(BenchPath.parse(p).orElseThrow(() -> new IllegalArgumentException(
                    "unknown path '" + p + "' (expected " + BenchPath.choices() + ")")));
        }
        Saturation sat = saturation ? new Saturation(Durations.parse(p99Budget), startRate, stepFactor, maxRate,
                Durations.parse(stepDuration)) : null;
        BenchOptions options = new BenchOptions(parsed, rate, run.measuredDuration(), payloads, connections, rounds,
                run.warmupDuration(), Durations.parse(maxDuration), maxInflight, run.json, report, run.lab,
                telemetryCompare, parsedPaths, sat);
        BenchTopology.specOf(run.lab, BenchArm.all(options), parsedPaths); // a bad placement fails before any pod is built
        return options;
    }
}
