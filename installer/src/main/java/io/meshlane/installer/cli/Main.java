package io.meshlane.installer.cli;

import io.meshlane.agent.cli.UserErrorHandler;
import picocli.CommandLine;

/** Entry point behind the ./meshlane launcher. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new MeshlaneCommand()).setExecutionExceptionHandler(new UserErrorHandler());
        System.exit(cli.execute(args));
    }
}
