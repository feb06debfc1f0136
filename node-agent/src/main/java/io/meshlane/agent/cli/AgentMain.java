package io.meshlane.agent.cli;

import picocli.CommandLine;

/** Entry point for running the agent alone: {@code java -cp ... io.meshlane.agent.cli.AgentMain run ...}. */
public final class AgentMain {

    private AgentMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new AgentCommand()).setExecutionExceptionHandler(new UserErrorHandler()).execute(args));
    }
}
