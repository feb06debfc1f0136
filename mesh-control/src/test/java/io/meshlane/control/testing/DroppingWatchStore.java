package io.meshlane.control.testing;

import io.meshlane.control.store.Page;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreException;
import io.meshlane.control.store.StoreWatcher;
import io.meshlane.control.store.StoredObject;
import io.meshlane.control.store.WatchHandle;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real store whose watches a test can end, as an etcd connection loss or a compaction ends them:
 * {@link #dropWatches()} cancels every live watch and tells its watcher the watch is over.
 */
public final class DroppingWatchStore implements ResourceStore {

    private record Live(WatchHandle handle, StoreWatcher watcher) {
    }

    private final ResourceStore store;
    private final List<Live> live = new CopyOnWriteArrayList<>();
    private volatile Runnable beforeNextWatch = () -> { };

    public DroppingWatchStore(ResourceStore store) {
        this.store = store;
    }

    /** Ends every watch opened so far; returns how many were live. */
    public int dropWatches() {
        List<Live> dropped = List.copyOf(live);
        live.clear();
        for (Live l : dropped) {
            l.handle().close();
            l.watcher().onClosed(new StoreException("the test dropped the watch"));
        }
        return dropped.size();
    }

    /** Watches opened and not yet dropped or closed. */
    public int liveWatches() {
        return live.size();
    }

    /** Runs {@code step} just before the next watch starts, e.g. to compact past the revision it asks for. */
    public void beforeNextWatch(Runnable step) {
        beforeNextWatch = step;
    }

    @Override
    public WatchHandle watch(String prefix, long afterRevision, StoreWatcher watcher) {
        Runnable step = beforeNextWatch;
        beforeNextWatch = () -> { };
        step.run();
        WatchHandle handle = store.watch(prefix, afterRevision, watcher);
        Live entry = new Live(handle, watcher);
        live.add(entry);
        return () -> {
            live.remove(entry);
            handle.close();
        };
    }

    @Override
    public StoredObject create(String key, byte[] value) {
        return store.create(key, value);
    }

    @Override
    public Optional<StoredObject> get(String key) {
        return store.get(key);
    }

    @Override
    public Page list(String prefix, String startAfter, int limit, long revision) {
        return store.list(prefix, startAfter, limit, revision);
    }

    @Override
    public StoredObject update(String key, byte[] value, long expectedModRevision) {
        return store.update(key, value, expectedModRevision);
    }

    @Override
    public StoredObject delete(String key, long expectedModRevision) {
        return store.delete(key, expectedModRevision);
    }

    @Override
    public long revision() {
        return store.revision();
    }

    @Override
    public void compact(long revision) {
        store.compact(revision);
    }

    @Override
    public void close() {
        store.close();
    }
}
