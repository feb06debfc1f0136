package io.meshlane.control.fairness;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlane.control.security.AccessFile;
import io.meshlane.control.security.Identity;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Per-user request rates, so one client's flood does not starve everyone else (the idea of
 * Kubernetes' API Priority and Fairness, with one token bucket per user for its queues). A request
 * over its user's rate waits for its turn, up to {@code maxQueueSeconds}; past that it is answered
 * 429 with {@code Retry-After}. Waiting, not only refusing, matters: a client that retries at once
 * would otherwise turn each refusal into another request. Members of {@code system:masters} are
 * exempt, as in Kubernetes' exempt priority level. Configured by {@code limits} in access.yaml:
 * <pre>
 * limits:
 *   default: {requestsPerSecond: 100, burst: 200}
 *   maxQueueSeconds: 2
 *   users:
 *     ci-bot: {requestsPerSecond: 5, burst: 10}
 * </pre>
 */
public final class RequestLimiter {
    public static final RateLimit DEFAULT = new RateLimit(100, 200);
    private static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final int SWEEP_ABOVE = 10_000;

    private static final double DEFAULT_QUEUE_SECONDS = 2;

    /** What a request does: go on after {@code waitNanos}, or be refused and retry after {@code retryAfterSeconds}. */
    public record Admission(long waitNanos, long retryAfterSeconds) {
        public boolean refused() {
            return retryAfterSeconds > 0;
        }
    }

    private static final Admission AT_ONCE = new Admission(0, 0);

    private final RateLimit defaultLimit;
    private final Map<String, RateLimit> perUser;
    private final long maxWaitNanos;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    RequestLimiter(RateLimit defaultLimit, Map<String, RateLimit> perUser, long maxWaitNanos, LongSupplier clock) {
        this.defaultLimit = defaultLimit;
        this.perUser = Map.copyOf(perUser);
        this.maxWaitNanos = maxWaitNanos;
        this.clock = clock;
    }

    public static RequestLimiter from(AccessFile file) {
        JsonNode limits = file.section("limits");
        try {
            RateLimit defaults = limits.has("default") ? limit(limits.get("default")) : DEFAULT;
            Map<String, RateLimit> users = new HashMap<>();
            limits.path("users").properties().forEach(e -> users.put(e.getKey(), limit(e.getValue())));
            double queueSeconds = limits.path("maxQueueSeconds").asDouble(DEFAULT_QUEUE_SECONDS);
            if (queueSeconds < 0) {
                throw new IllegalArgumentException("maxQueueSeconds must not be negative");
            }
            return new RequestLimiter(defaults, users, (long) (queueSeconds * 1e9), System::nanoTime);
        } catch (IllegalArgumentException e) {
            throw file.invalid("limits: " + e.getMessage());
        }
    }

    private static RateLimit limit(JsonNode node) {
        if (!node.path("requestsPerSecond").isNumber() || !node.path("burst").isInt()) {
            throw new IllegalArgumentException("each limit needs a number requestsPerSecond and an integer burst, got " + node);
        }
        return new RateLimit(node.get("requestsPerSecond").asDouble(), node.get("burst").asInt());
    }

    /** Whether {@code who} goes on (perhaps after a wait in its queue) or is refused. */
    public Admission admit(Identity who) {
        if (who.isMaster()) {
            return AT_ONCE;
        }
        long now = clock.getAsLong();
        if (buckets.size() > SWEEP_ABOVE) {
            buckets.values().removeIf(b -> b.idleSince(now, IDLE_NANOS));
        }
        TokenBucket bucket = buckets.computeIfAbsent(who.user(),
                u -> new TokenBucket(perUser.getOrDefault(u, defaultLimit), maxWaitNanos, now));
        long wait = bucket.reserve(now);
        if (wait >= 0) {
            return wait == 0 ? AT_ONCE : new Admission(wait, 0);
        }
        return new Admission(0, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(-wait - maxWaitNanos + 999_999_999L)));
    }
}
