package io.meshlane.control.store;

/** Cancels a watch. Idempotent. */
public interface WatchHandle extends AutoCloseable {
    @Override
    void close();
}
