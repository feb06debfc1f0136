package io.meshlane.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.meshlane.agent.datapath.Counter;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.DatapathStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code meshlane agent status}: what the node's datapath is doing, from its pins. */
@Command(name = "status", description = "Show the datapath's mode, programs, pods and counters.", mixinStandardHelpOptions = true)
public final class AgentStatusCommand implements Callable<Integer> {

    @Mixin
    NodeOptions node;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json")
    String output;

    @Override
    public Integer call() throws Exception {
        DatapathStatus status;
        try (Datapath datapath = Datapath.adopt(node.config())) {
            status = datapath.status();
        }
        PrintStream out = System.out;
        if (output.equals("json")) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(status));
            return 0;
        }
        out.printf("%-14s %s%n", "NODE", node.config().nodeName());
        out.printf("%-14s %s%n", "MODE", status.mode());
        out.printf("%-14s %s%n", "PINS", status.pinDir());
        out.printf("%-14s %s%n", "PROGRAMS", status.programIds());
        out.printf("%-14s %d%n", "PODS", status.pods());
        out.printf("%-14s %s%n", "NAMESPACES", status.namespaces());
        out.println();
        out.printf("%-30s %15s%n", "COUNTER", "VALUE");
        for (Counter c : Counter.values()) {
            out.printf("%-30s %15d%n", c.metricName(), status.counters().get(c));
        }
        return 0;
    }
}
