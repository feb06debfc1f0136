package io.meshlane.control.store;

/**
 * A change seen by a watcher. For {@link Type#DELETED} the value is the last value the key had.
 * {@code revision} is the store revision of the change; for puts it equals the object's modRevision.
 */
public record StoreEvent(Type type, String key, byte[] value, long createRevision, long revision) {
    public enum Type { CREATED, UPDATED, DELETED }
}
