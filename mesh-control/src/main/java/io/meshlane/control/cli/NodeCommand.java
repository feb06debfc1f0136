package io.meshlane.control.cli;

import picocli.CommandLine.Command;

/** {@code meshlane control node}: the nodes whose agents hold certificates. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Manage node identities.",
        subcommands = NodeRevokeCommand.class)
final class NodeCommand {
}
