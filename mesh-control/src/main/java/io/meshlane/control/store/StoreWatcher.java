package io.meshlane.control.store;

/** Receives a watch's events in revision order. Must not block: hand work to another thread. */
public interface StoreWatcher {
    void onEvent(StoreEvent event);

    /** The watch ended (compaction, store closed, connection lost); no more events follow. */
    void onClosed(StoreException reason);
}
