package io.meshlane.agent.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent image's init container: {@code agent preflight} fails the pod on a node without a
 * feature; with --report-only (the chart's datapath.required=false) it reports and lets the agent
 * start in pass-through. A missing feature is forced with --assume-missing on this real kernel.
 */
class PreflightCommandTest {

    @Test
    void aMissingFeatureFailsThePodOnlyWhenTheDatapathIsRequired() {
        Run required = run("preflight", "--assume-missing", "BTF");
        assertEquals(1, required.exit(), required.out());
        assertTrue(required.out().contains("kernel BTF (/sys/kernel/btf/vmlinux)") && required.out().contains("missing"), required.out());
        assertTrue(required.out().contains("CONFIG_DEBUG_INFO_BTF"), "the report says what to do: " + required.out());

        Run reportOnly = run("preflight", "--report-only", "--assume-missing", "BTF");
        assertEquals(0, reportOnly.exit(), reportOnly.out());
        assertTrue(reportOnly.out().contains("pass traffic through unaccelerated"), reportOnly.out());

        Run healthy = run("preflight");
        assertEquals(0, healthy.exit(), "this machine runs the datapath: " + healthy.out());
        assertTrue(healthy.out().contains("The eBPF datapath can run on this node."), healthy.out());
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        int exit = new CommandLine(new AgentCommand()).setOut(new PrintWriter(out)).execute(args);
        return new Run(exit, out.toString());
    }

    private record Run(int exit, String out) {
    }
}
