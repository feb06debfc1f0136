package io.meshlane.control.fairness;

/** A sustained rate with the burst allowed on top of it (a token bucket's refill rate and size). */
public record RateLimit(double requestsPerSecond, int burst) {

    public RateLimit {
        if (!(requestsPerSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs requestsPerSecond > 0 and burst >= 1, not "
                    + requestsPerSecond + " and " + burst);
        }
    }
}
