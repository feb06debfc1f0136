package io.meshlane.lab.bench;

import java.time.Duration;

/**
 * How {@code meshlane bench --saturation} steps the offered rate: from {@code startRate}, times
 * {@code factor} per step, up to {@code maxRate}; each step is one open-loop run of
 * {@code stepDuration} per mode and path, modes interleaved (order reversed every other step).
 * A mode stops at the first rate whose p99 exceeds {@code p99Budget} or that has errors, in two
 * runs in a row (one retry, so a single noisy moment on a shared machine does not end a mode).
 */
public record Saturation(Duration p99Budget, int startRate, double factor, int maxRate, Duration stepDuration) {
    public Saturation {
        if (p99Budget.isNegative() || p99Budget.isZero() || stepDuration.isNegative() || stepDuration.isZero()) {
            throw new IllegalArgumentException("--p99-budget and --step-duration must be positive");
        }
        if (startRate <= 0 || maxRate < startRate || factor <= 1.0) {
            throw new IllegalArgumentException("--start-rate must be positive and <= --max-rate, --step-factor > 1"
                    + " (got " + startRate + ", " + maxRate + ", " + factor + ")");
        }
    }

    public static Saturation defaults() {
        return new Saturation(Duration.ofMillis(1), 1000, 1.5, 200_000, Duration.ofSeconds(2));
    }

    public long budgetMicros() {
        return p99Budget.toNanos() / 1000;
    }

    /** The next offered rate after {@code rate}, or -1 past the maximum. */
    int next(int rate) {
        long n = Math.max(rate + 1L, Math.round(rate * factor));
        return n > maxRate ? -1 : (int) n;
    }
}
