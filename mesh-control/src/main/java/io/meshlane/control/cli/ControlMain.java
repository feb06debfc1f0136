package io.meshlane.control.cli;

import picocli.CommandLine;

/** Entry point of the mesh-control image: {@code control} and its subcommands without the rest of the meshlane CLI. */
public final class ControlMain {

    private ControlMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ControlCommand()).execute(args));
    }
}
