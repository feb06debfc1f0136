package io.meshlane.control.telemetry.export;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter, so that many exporters retrying a recovering backend do not do so in step. */
record Backoff(Duration initial, Duration max) {

    long delayMillis(int attempt) {
        long cap = Math.min(max.toMillis(), initial.toMillis() << Math.min(attempt, 20));
        return ThreadLocalRandom.current().nextLong(cap / 2, Math.max(cap / 2 + 1, cap + 1));
    }
}
