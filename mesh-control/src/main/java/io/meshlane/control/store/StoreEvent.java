package io.meshlane.control.store;

/**
 * A change seen by a watcher. For {@link Type#DELETED} the value is the last value the key had.
 * {@code revision} is the store revision of the change; for puts it equals the object's modRevision.
 * {@code prevValue} is the value before an update or delete (null after a create, or where the
 * store does not know it), so that a watch with a selector can tell an object stopped matching.
 */
public record StoreEvent(Type type, String key, byte[] value, long createRevision, long revision, byte[] prevValue) {
    public enum Type { CREATED, UPDATED, DELETED }

    public StoreEvent(Type type, String key, byte[] value, long createRevision, long revision) {
        this(type, key, value, createRevision, revision, null);
    }
}
