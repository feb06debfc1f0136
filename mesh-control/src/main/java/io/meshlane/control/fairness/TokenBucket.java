package io.meshlane.control.fairness;

/**
 * One user's bucket: refills at the limit's rate up to its burst; a request takes one token. When
 * the bucket is empty a request may reserve a future token and wait for it (the bucket goes below
 * zero), as long as that wait stays within the limit's queue time; past it the request is refused.
 */
final class TokenBucket {
    private final RateLimit limit;
    private final long maxWaitNanos;
    private double tokens;
    private long refilledAt;

    TokenBucket(RateLimit limit, long maxWaitNanos, long now) {
        this.limit = limit;
        this.maxWaitNanos = maxWaitNanos;
        this.tokens = limit.burst();
        this.refilledAt = now;
    }

    /**
     * Reserves a token: returns how many nanoseconds the request waits for it (0: at once), or a
     * negative value, minus the wait it would have had, when that wait is too long (nothing reserved).
     */
    synchronized long reserve(long now) {
        tokens = Math.min(limit.burst(), tokens + (now - refilledAt) * limit.requestsPerSecond() / 1e9);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        long wait = (long) Math.ceil((1 - tokens) * 1e9 / limit.requestsPerSecond());
        if (wait > maxWaitNanos) {
            return -wait;
        }
        tokens -= 1;
        return wait;
    }

    synchronized boolean idleSince(long now, long idleNanos) {
        return now - refilledAt > idleNanos;
    }
}
