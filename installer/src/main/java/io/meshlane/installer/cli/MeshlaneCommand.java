package io.meshlane.installer.cli;

import io.meshlane.agent.cli.AgentCommand;
import io.meshlane.agent.cli.PreflightCommand;
import io.meshlane.control.cli.ControlCommand;
import io.meshlane.lab.cli.AgentBenchCommand;
import io.meshlane.lab.cli.BenchCommand;
import io.meshlane.lab.cli.LabCommand;
import picocli.CommandLine.Command;

/** The top-level {@code meshlane} command. */
@Command(name = "meshlane", mixinStandardHelpOptions = true, version = "meshlane 0.1.0",
        description = "eBPF-accelerated service-mesh data plane and its hosted control plane.",
        subcommands = {BuildCommand.class, TestCommand.class, UpCommand.class, PreflightCommand.class, ImageCommand.class,
                AgentCommand.class, ControlCommand.class, LabCommand.class, BenchCommand.class, AgentBenchCommand.class, AggregationCommand.class,
                InstallCommand.class, AnalyzeCommand.class})
public final class MeshlaneCommand {
}
