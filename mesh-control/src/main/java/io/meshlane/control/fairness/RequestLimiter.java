package io.meshlane.control.fairness;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlane.control.security.AccessFile;
import io.meshlane.control.security.Identity;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Per-user request rates, so one client's flood is answered with 429 and {@code Retry-After}
 * while everyone else keeps being served (the idea of Kubernetes' API Priority and Fairness, with
 * one token bucket per user instead of its queues). Members of {@code system:masters} are exempt,
 * as in Kubernetes' exempt priority level. Configured by {@code limits} in access.yaml:
 * <pre>
 * limits:
 *   default: {requestsPerSecond: 100, burst: 200}
 *   users:
 *     ci-bot: {requestsPerSecond: 5, burst: 10}
 * </pre>
 */
public final class RequestLimiter {
    public static final RateLimit DEFAULT = new RateLimit(100, 200);
    private static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final int SWEEP_ABOVE = 10_000;

    private final RateLimit defaultLimit;
    private final Map<String, RateLimit> perUser;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    RequestLimiter(RateLimit defaultLimit, Map<String, RateLimit> perUser, LongSupplier clock) {
        this.defaultLimit = defaultLimit;
        this.perUser = Map.copyOf(perUser);
        this.clock = clock;
    }

    public static RequestLimiter from(AccessFile file) {
        JsonNode limits = file.section("limits");
        try {
            RateLimit defaults = limits.has("default") ? limit(limits.get("default")) : DEFAULT;
            Map<String, RateLimit> users = new HashMap<>();
            limits.path("users").properties().forEach(e -> users.put(e.getKey(), limit(e.getValue())));
            return new RequestLimiter(defaults, users, System::nanoTime);
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

    /** Empty when {@code who} may go on; else how many whole seconds it should wait (at least 1). */
    public OptionalLong admit(Identity who) {
        if (who.isMaster()) {
            return OptionalLong.empty();
        }
        long now = clock.getAsLong();
        if (buckets.size() > SWEEP_ABOVE) {
            buckets.values().removeIf(b -> b.idleSince(now, IDLE_NANOS));
        }
        TokenBucket bucket = buckets.computeIfAbsent(who.user(), u -> new TokenBucket(perUser.getOrDefault(u, defaultLimit), now));
        long wait = bucket.take(now);
        return wait == 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + 999_999_999L)));
    }
}
