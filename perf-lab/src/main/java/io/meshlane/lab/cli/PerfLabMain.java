package io.meshlane.lab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Stand-alone entry for perf-lab ({@code java -cp ... io.meshlane.lab.cli.PerfLabMain lab up pods.yaml});
 * the installer's top-level CLI mounts {@link LabCommand} and {@link BenchCommand} the same way.
 */
@Command(name = "meshlane", mixinStandardHelpOptions = true, subcommands = {LabCommand.class, BenchCommand.class, AgentBenchCommand.class},
        description = "meshlane perf-lab: node lab and side-by-side benchmark")
public final class PerfLabMain implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PerfLabMain()).execute(args));
    }
}
