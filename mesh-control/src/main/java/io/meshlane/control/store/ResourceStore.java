package io.meshlane.control.store;

import java.util.Optional;

/**
 * A revisioned key-value store with watch: the seam between the API and its storage engines
 * (embedded SQLite by default, etcd for several replicas). Every successful write gets a new,
 * strictly increasing global revision.
 */
public interface ResourceStore extends AutoCloseable {

    /** Creates {@code key}; fails with {@link KeyExistsException} if it exists. */
    StoredObject create(String key, byte[] value);

    Optional<StoredObject> get(String key);

    /** Keys starting with {@code prefix}, in key order, after {@code startAfter} (exclusive, may be null). */
    default Page list(String prefix, String startAfter, int limit) {
        return list(prefix, startAfter, limit, 0);
    }

    /**
     * As {@link #list(String, String, int)}, but the keys as they were at {@code revision} (0 = now),
     * so that the pages of one paginated list form one snapshot; {@link CompactedException} when
     * the history needed to go back there is gone.
     */
    Page list(String prefix, String startAfter, int limit, long revision);

    /**
     * Replaces {@code key}'s value if its modRevision equals {@code expectedModRevision}
     * (0 = any); {@link KeyNotFoundException} or {@link RevisionConflictException} otherwise.
     */
    StoredObject update(String key, byte[] value, long expectedModRevision);

    /** Deletes {@code key} under the same precondition as update; returns the last value, at the delete's revision. */
    StoredObject delete(String key, long expectedModRevision);

    /** Deletes every key under {@code prefix} (cascades: a namespace's or a CRD's objects); keys deleted concurrently are fine. */
    default void deleteAll(String prefix) {
        for (StoredObject o : list(prefix, null, 0).items()) {
            try {
                delete(o.key(), 0);
            } catch (KeyNotFoundException alreadyGone) {
                // deleted concurrently
            }
        }
    }

    /**
     * Delivers every change under {@code prefix} with revision greater than {@code afterRevision},
     * first the history, then live changes. {@link CompactedException} if that history is gone.
     */
    WatchHandle watch(String prefix, long afterRevision, StoreWatcher watcher);

    /** The store's current revision. */
    long revision();

    /** Drops history at and below {@code revision}. */
    void compact(long revision);

    @Override
    void close();
}
