package io.meshlane.lab.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.lab.load.AgentCommand;
import io.meshlane.lab.load.AgentReply;
import io.meshlane.lab.load.LoadAgent;
import io.meshlane.lab.load.LoadResult;
import io.meshlane.lab.load.LoadSpec;
import io.meshlane.lab.node.LabException;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.NodeLab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link LoadAgent} process running in a client pod, driven over its stdin/stdout. */
public final class LoadAgentHandle implements AutoCloseable {
    private static final String EOF = "\u0000eof";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LabPod pod;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private LoadAgentHandle(LabPod pod, Process process) {
        this.pod = pod;
        this.process = process;
        Thread reader = new Thread(this::pump, "load-agent-" + pod.key());
        reader.setDaemon(true);
        reader.start();
    }

    public static LoadAgentHandle start(NodeLab lab, LabPod pod) {
        Process p = lab.startJava(pod, "load-agent", LoadAgent.class.getName(), List.of());
        LoadAgentHandle handle = new LoadAgentHandle(pod, p);
        handle.expect("READY", Duration.ofSeconds(60));
        return handle;
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException ignored) {
            // process gone
        } finally {
            lines.add(EOF);
        }
    }

    private String expect(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new LabException("the load agent in pod " + pod.key() + " did not answer within "
                            + timeout.toSeconds() + " s");
                }
                if (line.equals(EOF)) {
                    throw new LabException("the load agent in pod " + pod.key() + " exited; see its log under /run/meshlane-lab");
                }
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length()).trim();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while waiting for the load agent in " + pod.key());
        }
    }

    public LoadResult openLoop(LoadSpec spec) {
        return send("open", spec);
    }

    public LoadResult closedLoop(LoadSpec spec) {
        return send("closed", spec);
    }

    /** {@code spec.rate()} new connections per second, one echoed request each. */
    public LoadResult churn(LoadSpec spec) {
        return send("churn", spec);
    }

    private LoadResult send(String op, LoadSpec spec) {
        AgentCommand cmd = new AgentCommand(op, spec.host(), spec.port(), spec.payload(), spec.connections(), spec.rate(),
                spec.duration().toMillis(), spec.inflight());
        try {
            OutputStream in = process.getOutputStream();
            in.write((JSON.writeValueAsString(cmd) + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            AgentReply reply = JSON.readValue(expect("RESULT ", spec.duration().plusSeconds(90)), AgentReply.class);
            if (reply.failure() != null) {
                throw new LabException("load run from " + pod.key() + " to " + spec.host() + ":" + spec.port()
                        + " failed: " + reply.failure());
            }
            return reply.result();
        } catch (IOException e) {
            throw new LabException("cannot talk to the load agent in " + pod.key() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            OutputStream in = process.getOutputStream();
            in.write("{\"op\":\"exit\"}\n".getBytes(StandardCharsets.UTF_8));
            in.close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
