package io.meshlane.agent.cli;

import picocli.CommandLine.Command;

/** {@code meshlane agent ...}: the node agent. */
@Command(name = "agent", description = "The node agent: eBPF datapath, pods, namespace switches.",
        mixinStandardHelpOptions = true,
        subcommands = {PreflightCommand.class, AgentRunCommand.class, AgentStatusCommand.class, AgentUninstallCommand.class})
public final class AgentCommand {
}
