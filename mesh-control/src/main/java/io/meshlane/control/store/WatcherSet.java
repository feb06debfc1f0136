package io.meshlane.control.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The live watchers of one store process and the fan-out of committed events to them.
 * A watcher registered while its history was being replayed may be offered an event twice;
 * each registration drops events at or below the last revision it delivered.
 */
final class WatcherSet {

    private final List<Registration> registrations = new CopyOnWriteArrayList<>();

    final class Registration implements WatchHandle {
        private final KeyRange range;
        private final StoreWatcher watcher;
        private long delivered;
        private volatile boolean closed;

        Registration(KeyRange range, StoreWatcher watcher, long delivered) {
            this.range = range;
            this.watcher = watcher;
            this.delivered = delivered;
        }

        void offer(StoreEvent event) {
            if (closed || event.revision() <= delivered || !range.contains(event.key())) {
                return;
            }
            delivered = event.revision();
            watcher.onEvent(event);
        }

        @Override
        public void close() {
            closed = true;
            registrations.remove(this);
        }

        void end(StoreException reason) {
            if (!closed) {
                close();
                watcher.onClosed(reason);
            }
        }
    }

    /** Caller holds the store's publish lock, so no commit is published while history is replayed. */
    Registration register(String prefix, long delivered, StoreWatcher watcher, List<StoreEvent> history) {
        Registration registration = new Registration(new KeyRange(prefix), watcher, delivered);
        for (StoreEvent event : history) {
            registration.offer(event);
        }
        registrations.add(registration);
        return registration;
    }

    /** Caller holds the publish lock; events are in revision order. */
    void publish(List<StoreEvent> events) {
        for (Registration registration : registrations) {
            for (StoreEvent event : events) {
                registration.offer(event);
            }
        }
    }

    void closeAll(StoreException reason) {
        for (Registration registration : List.copyOf(registrations)) {
            registration.end(reason);
        }
    }
}
