package io.meshlane.control.fairness;

/** One user's bucket: refills at the limit's rate up to its burst; a request takes one token. */
final class TokenBucket {
    private final RateLimit limit;
    private double tokens;
    private long refilledAt;

    TokenBucket(RateLimit limit, long now) {
        this.limit = limit;
        this.tokens = limit.burst();
        this.refilledAt = now;
    }

    /** Takes a token and returns 0, or returns the nanoseconds until one will be there (taking none). */
    synchronized long take(long now) {
        tokens = Math.min(limit.burst(), tokens + (now - refilledAt) * limit.requestsPerSecond() / 1e9);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) * 1e9 / limit.requestsPerSecond());
    }

    synchronized boolean idleSince(long now, long idleNanos) {
        return now - refilledAt > idleNanos;
    }
}
