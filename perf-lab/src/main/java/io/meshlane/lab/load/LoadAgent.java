package io.meshlane.lab.load;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The benchmark's load client, started inside a client pod (netns + cgroup) and driven over
 * stdin/stdout: it prints {@code READY}, then answers each {@link AgentCommand} line with
 * {@code RESULT <AgentReply json>}. It stays up between runs so its JIT is warm, and exits on
 * EOF or {@code {"op":"exit"}}.
 */
public final class LoadAgent {
    private LoadAgent() {
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        try (LoadGenerator generator = new LoadGenerator();
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            out.println("READY load-agent");
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                AgentCommand cmd = json.readValue(line, AgentCommand.class);
                AgentReply reply;
                try {
                    reply = switch (cmd.op()) {
                        case "open" -> AgentReply.of(generator.openLoop(cmd.spec()));
                        case "closed" -> AgentReply.of(generator.closedLoop(cmd.spec()));
                        case "churn" -> AgentReply.of(generator.churn(cmd.spec()));
                        case "exit" -> null;
                        default -> AgentReply.failed("unknown op " + cmd.op());
                    };
                } catch (RuntimeException e) {
                    reply = AgentReply.failed(e.getMessage());
                }
                if (reply == null) {
                    break;
                }
                out.println("RESULT " + json.writeValueAsString(reply));
            }
        }
    }
}
