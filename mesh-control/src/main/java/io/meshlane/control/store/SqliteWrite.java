package io.meshlane.control.store;

import java.util.concurrent.CompletableFuture;

/** A write queued for the embedded store's writer thread, completed once its group commits. */
sealed interface SqliteWrite {
    String key();

    CompletableFuture<StoredObject> result();

    record Create(String key, byte[] value, CompletableFuture<StoredObject> result) implements SqliteWrite {
        Create(String key, byte[] value) {
            this(key, value, new CompletableFuture<>());
        }
    }

    record Update(String key, byte[] value, long expected, CompletableFuture<StoredObject> result) implements SqliteWrite {
        Update(String key, byte[] value, long expected) {
            this(key, value, expected, new CompletableFuture<>());
        }
    }

    record Delete(String key, long expected, CompletableFuture<StoredObject> result) implements SqliteWrite {
        Delete(String key, long expected) {
            this(key, expected, new CompletableFuture<>());
        }
    }

    record Compact(long upTo, CompletableFuture<StoredObject> result) implements SqliteWrite {
        Compact(long upTo) {
            this(upTo, new CompletableFuture<>());
        }

        @Override
        public String key() {
            return "(compaction to revision " + upTo + ")";
        }
    }
}
