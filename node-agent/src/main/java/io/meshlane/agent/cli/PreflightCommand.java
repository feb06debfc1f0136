package io.meshlane.agent.cli;

import io.meshlane.agent.datapath.Feature;
import io.meshlane.agent.datapath.FeatureCheck;
import io.meshlane.agent.datapath.FeatureProbe;
import io.meshlane.agent.datapath.ProbeReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code meshlane preflight} and {@code meshlane agent preflight} (the agent image's init
 * container): can this node run the datapath? Exits 1 when it cannot, unless --report-only.
 */
@Command(name = "preflight", mixinStandardHelpOptions = true,
        description = "Check the kernel features the datapath needs; exit 1 if it cannot run (0 with --report-only).")
public final class PreflightCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--report-only", description = "Print the report and exit 0 even when the datapath cannot run:"
            + " the agent then starts in pass-through (the Helm chart's datapath.required=false).")
    boolean reportOnly;

    @Option(names = "--assume-missing", split = ",", description = "Features to treat as missing: ${COMPLETION-CANDIDATES}.")
    List<Feature> assumeMissing = List.of();

    @Override
    public Integer call() {
        ProbeReport report = new FeatureProbe(assumeMissing.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(assumeMissing)).probe();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-66s %-8s %s%n", "FEATURE", "STATUS", "DETAIL / WHAT TO DO");
        for (FeatureCheck check : report.checks()) {
            out.printf("%-66s %-8s %s%n", check.feature().description(), check.ok() ? "ok" : "missing",
                    check.ok() ? check.detail() : check.detail() + " -> " + check.remedy());
        }
        out.println();
        if (report.canAccelerate()) {
            out.println("The eBPF datapath can run on this node.");
            out.flush();
            return 0;
        }
        if (reportOnly) {
            out.println("The eBPF datapath cannot run here; the agent will pass traffic through unaccelerated"
                    + " (set datapath.required=true to fail the pod instead).");
            out.flush();
            return 0;
        }
        out.println("The eBPF datapath cannot run here; the agent would pass traffic through unaccelerated.");
        out.flush();
        return 1;
    }
}
