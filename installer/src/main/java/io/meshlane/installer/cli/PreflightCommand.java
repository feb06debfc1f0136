package io.meshlane.installer.cli;

import io.meshlane.agent.datapath.FeatureCheck;
import io.meshlane.agent.datapath.FeatureProbe;
import io.meshlane.agent.datapath.ProbeReport;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code meshlane preflight}: can this node run the datapath? Exits 1 when it cannot. */
@Command(name = "preflight", description = "Check the kernel features the datapath needs; exit 1 if it cannot run.")
public final class PreflightCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        ProbeReport report = new FeatureProbe(Set.of()).probe();
        PrintStream out = System.out;
        out.printf("%-66s %-8s %s%n", "FEATURE", "STATUS", "DETAIL / WHAT TO DO");
        for (FeatureCheck check : report.checks()) {
            out.printf("%-66s %-8s %s%n", check.feature().description(), check.ok() ? "ok" : "missing",
                    check.ok() ? check.detail() : check.detail() + " -> " + check.remedy());
        }
        out.println();
        if (report.canAccelerate()) {
            out.println("The eBPF datapath can run on this node.");
            return 0;
        }
        out.println("The eBPF datapath cannot run here; the agent would pass traffic through unaccelerated.");
        return 1;
    }
}
