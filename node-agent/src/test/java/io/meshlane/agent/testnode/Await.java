package io.meshlane.agent.testnode;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Polling for a condition with a deadline, for tests that watch the datapath change. */
public final class Await {

    private Await() {
    }

    /** Returns as soon as {@code condition} holds; fails when it still does not after {@code timeout}. */
    public static void until(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(5);
        }
        assertTrue(condition.getAsBoolean(), "condition not met within " + timeout);
    }
}
