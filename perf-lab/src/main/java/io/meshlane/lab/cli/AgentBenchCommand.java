package io.meshlane.lab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.meshlane.lab.bench.AgentSteadyState;
import io.meshlane.lab.bench.AgentSteadyStateResult;
import io.meshlane.lab.spec.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code meshlane agent-bench}: the node agent's RSS and CPU in steady state on a busy lab node. */
@Command(name = "agent-bench", mixinStandardHelpOptions = true,
        description = {"Measure the node agent process (RSS, CPU) with many lab pods registered, new connections"
                + " through the datapath every second, /metrics scraped and stats reported to a control plane."})
public final class AgentBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    LabRun run = new LabRun("steady", "15s", "60s");

    @Option(names = "--pods", defaultValue = "100", description = "lab pods registered with the agent (default: ${DEFAULT-VALUE})")
    int pods;
    @Option(names = "--clients", defaultValue = "4", description = "client pods (each with its own sidecar) the churn is"
            + " spread over; one lab sidecar cannot accept 1,000 connections/s on a busy 2-core machine (default: ${DEFAULT-VALUE})")
    int clients;
    @Option(names = "--rate", defaultValue = "1000", description = "new connections per second (default: ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--scrape-interval", defaultValue = "5s", description = "how often /metrics is scraped (default: ${DEFAULT-VALUE})")
    String scrapeInterval;
    @Option(names = "--control-plane", description = "host:port of mesh-control's agents endpoint the agent reports to")
    String controlPlane;
    @Option(names = "--control-plane-ca", description = "the control plane's ca.crt (with --control-plane)")
    Path controlPlaneCa;
    @Option(names = "--join-token-file", description = "a join token for the agent (meshlane control token create)")
    Path joinTokenFile;

    @Override
    public Integer call() {
        return LabRun.execute(spec, this::options, (options, progress) -> {
            AgentSteadyStateResult result = new AgentSteadyState(options, progress).run();
            String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result);
            if (run.json != null) {
                if (run.json.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(run.json.toAbsolutePath().getParent());
                }
                Files.writeString(run.json, text);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(text);
            out.flush();
            return result.errors() > 0 ? 1 : 0;
        });
    }

    private AgentSteadyState.Options options() {
        List<String> cp = new ArrayList<>();
        if (controlPlane != null) {
            if (controlPlaneCa == null || joinTokenFile == null) {
                throw new IllegalArgumentException("--control-plane needs --control-plane-ca and --join-token-file");
            }
            cp.addAll(List.of("--control-plane", controlPlane, "--control-plane-ca", controlPlaneCa.toString(),
                    "--join-token-file", joinTokenFile.toString()));
        }
        return new AgentSteadyState.Options(run.lab, pods, clients, rate, run.warmupDuration(), run.measuredDuration(),
                Durations.parse(scrapeInterval), cp);
    }
}
