package io.meshlane.lab.load;

/**
 * A request to a {@link LoadAgent}, one JSON line on its stdin.
 *
 * @param op "open", "closed", "churn" (a new connection per request) or "exit"
 */
public record AgentCommand(String op, String host, int port, int payload, int connections, int rate, long durationMs,
                           int inflight) {

    public LoadSpec spec() {
        return new LoadSpec(host, port, payload, connections, rate, java.time.Duration.ofMillis(durationMs),
                Math.max(1, inflight));
    }
}
