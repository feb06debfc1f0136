package io.meshlane.control.cli;

import picocli.CommandLine.Command;

/** {@code meshlane control token}: join tokens for agents (and, later, telemetry senders). */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Create join tokens.",
        subcommands = TokenCreateCommand.class)
final class TokenCommand {
}
