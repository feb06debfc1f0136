package io.meshlane.lab.load;

import java.time.Duration;

/**
 * One load run.
 *
 * @param host        destination address (a pod IP; redirection, if any, happens in the kernel)
 * @param port        destination port
 * @param payload     request (and echoed response) size in bytes
 * @param connections persistent connections, requests spread round-robin
 * @param rate        open-loop requests per second in total (ignored by closed-loop runs)
 * @param duration    how long requests are sent
 * @param inflight    closed loop: requests kept outstanding (pipelined) per connection
 */
public record LoadSpec(String host, int port, int payload, int connections, int rate, Duration duration, int inflight) {
    public LoadSpec {
        if (payload <= 0 || connections <= 0 || rate <= 0 || inflight <= 0 || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("payload, connections, rate, inflight and duration must be positive: " + this);
        }
    }

    /** One request in flight per connection in closed loop. */
    public LoadSpec(String host, int port, int payload, int connections, int rate, Duration duration) {
        this(host, port, payload, connections, rate, duration, 1);
    }
}
