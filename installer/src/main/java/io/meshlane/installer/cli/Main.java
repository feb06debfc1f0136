package io.meshlane.installer.cli;

import io.meshlane.agent.cli.UserErrorHandler;
import picocli.CommandLine;

/** Entry point behind the ./meshlane launcher. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new MeshlaneCommand()).setExecutionExceptionHandler(new UserErrorHandler());
        // perf-lab's bench cannot name mesh-control (nothing there depends on it); the product's CLI joins them
        cli.getSubcommands().get("bench").addSubcommand(new ControlBenchCommand());
        System.exit(cli.execute(args));
    }
}
