package io.meshlane.control.store;

/** One key's current value with the store revisions at which it was created and last modified. */
public record StoredObject(String key, byte[] value, long createRevision, long modRevision) {
}
