package io.meshlane.control.store;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Follows every key under a prefix, as client-go's informer follows a resource: pages through
 * the store, watches from the listing's revision, and lists again whenever the watch ends
 * (compaction, lost connection), telling the handler what changed in between — deletions too.
 * Every handler call runs on the consumer's executor, one at a time and in revision order; the
 * store's watcher only enqueues, so a slow handler never holds up the store's publisher.
 */
public final class StoreInformer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(StoreInformer.class.getName());
    private static final int PAGE = 500;
    private static final Duration FIRST_RETRY = Duration.ofMillis(200);
    private static final Duration LAST_RETRY = Duration.ofSeconds(5);

    /** Receives the keys' state. Called on the informer's executor only. */
    public interface Handler {
        /** {@code object} was created or changed; its modRevision is the change's revision. */
        void upsert(StoredObject object);

        /** {@code key} is gone; {@code lastValue} is the value it had. */
        void delete(String key, byte[] lastValue, long revision);

        /** A listing (the first or one after a watch ended) has been delivered. */
        default void synced(long revision) {
        }
    }

    private record Listing(Map<String, StoredObject> objects, long revision) {
    }

    private final ResourceStore store;
    private final String prefix;
    private final Executor deliveries;
    private final Handler handler;
    /** The handler's view, touched only on {@link #deliveries}. */
    private final Map<String, StoredObject> known = new HashMap<>();
    private final CompletableFuture<Long> firstSync = new CompletableFuture<>();
    private final Object watchLock = new Object();
    private volatile int generation;
    private WatchHandle watch;
    private Duration retry = FIRST_RETRY;
    private volatile boolean closed;

    private StoreInformer(ResourceStore store, String prefix, Executor deliveries, Handler handler) {
        this.store = store;
        this.prefix = prefix;
        this.deliveries = deliveries;
        this.handler = handler;
    }

    /**
     * Lists {@code prefix} now (a store that cannot answer fails here, with its own error), hands the
     * listing to {@code deliveries} and starts watching. {@code deliveries} must run tasks one at a time in order.
     */
    public static StoreInformer start(ResourceStore store, String prefix, Executor deliveries, Handler handler) {
        StoreInformer informer = new StoreInformer(store, prefix, deliveries, handler);
        informer.follow(informer.list(), 0);
        return informer;
    }

    /** Waits until the first listing has reached the handler; false if it has not within {@code timeout}. */
    public boolean awaitFirstSync(Duration timeout) {
        try {
            firstSync.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The pages may be read at different revisions; the watch starts at the first, and {@link #apply} drops what a later page already showed. */
    private Listing list() {
        Map<String, StoredObject> objects = new HashMap<>();
        String after = null;
        long revision = -1;
        while (true) {
            Page page = store.list(prefix, after, PAGE);
            if (revision < 0) {
                revision = page.revision();
            }
            for (StoredObject o : page.items()) {
                objects.put(o.key(), o);
                after = o.key();
            }
            if (!page.more()) {
                return new Listing(objects, revision);
            }
        }
    }

    private void follow(Listing listing, int expectedGeneration) {
        int current;
        synchronized (watchLock) {
            if (closed || generation != expectedGeneration) {
                return;
            }
            current = ++generation;
        }
        deliveries.execute(() -> replace(listing));
        WatchHandle handle;
        try {
            handle = store.watch(prefix, listing.revision(), watcher(current));
        } catch (RuntimeException e) {
            ended(current, e instanceof StoreException se ? se : new StoreException("watching failed: " + e.getMessage(), e));
            return;
        }
        synchronized (watchLock) {
            if (closed || generation != current) {
                handle.close();
                return;
            }
            watch = handle;
        }
    }

    private StoreWatcher watcher(int watchGeneration) {
        return new StoreWatcher() {
            @Override
            public void onEvent(StoreEvent event) {
                if (generation == watchGeneration && !closed) {
                    deliveries.execute(() -> apply(event, watchGeneration));
                }
            }

            @Override
            public void onClosed(StoreException reason) {
                ended(watchGeneration, reason);
            }
        };
    }

    /** The watch of {@code endedGeneration} is over: list again after a pause that grows while listing fails. */
    private void ended(int endedGeneration, StoreException reason) {
        synchronized (watchLock) {
            if (closed || generation != endedGeneration) {
                return;
            }
        }
        LOG.log(Level.WARNING, "the store watch on " + prefix + " ended (" + (reason == null ? "closed" : reason.getMessage())
                + "); listing again and resuming");
        Thread.ofVirtual().name("store-informer-relist").start(() -> relist(endedGeneration));
    }

    private void relist(int endedGeneration) {
        while (!closed) {
            try {
                Thread.sleep(retry);
                Listing listing = list();
                retry = FIRST_RETRY;
                follow(listing, endedGeneration);
                return;
            } catch (RuntimeException e) {
                retry = retry.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : retry.multipliedBy(2);
                LOG.warning("listing " + prefix + " failed (" + e.getMessage() + "); trying again in " + retry.toMillis() + " ms");
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** On {@link #deliveries}: tell the handler how the listing differs from what it has seen. */
    private void replace(Listing listing) {
        if (closed) {
            return;
        }
        for (var old : Map.copyOf(known).values()) {
            if (!listing.objects().containsKey(old.key())) {
                known.remove(old.key());
                guarded(old.key(), () -> handler.delete(old.key(), old.value(), listing.revision()));
            }
        }
        for (StoredObject o : listing.objects().values()) {
            StoredObject old = known.put(o.key(), o);
            if (old == null || old.modRevision() != o.modRevision()) {
                guarded(o.key(), () -> handler.upsert(o));
            }
        }
        guarded(prefix, () -> handler.synced(listing.revision()));
        firstSync.complete(listing.revision());
    }

    /** On {@link #deliveries}: one watch event, unless the listing already showed it or a newer one. */
    private void apply(StoreEvent event, int eventGeneration) {
        if (closed || generation != eventGeneration) {
            return;
        }
        StoredObject old = known.get(event.key());
        if (event.type() == StoreEvent.Type.DELETED) {
            if (old != null && old.modRevision() < event.revision()) {
                known.remove(event.key());
                guarded(event.key(), () -> handler.delete(event.key(), event.value(), event.revision()));
            }
        } else if (old == null || old.modRevision() < event.revision()) {
            StoredObject o = new StoredObject(event.key(), event.value(), event.createRevision(), event.revision());
            known.put(o.key(), o);
            guarded(o.key(), () -> handler.upsert(o));
        }
    }

    /** One bad object must not stop the others from arriving: the handler's failure is logged, and delivery goes on. */
    private void guarded(String key, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "handling " + key + " failed (" + e.getMessage() + "); it is skipped until it changes again", e);
        }
    }

    /** Stops watching; handler calls already queued are dropped. Idempotent. */
    @Override
    public void close() {
        WatchHandle w;
        synchronized (watchLock) {
            closed = true;
            w = watch;
            watch = null;
        }
        if (w != null) {
            w.close();
        }
    }
}
