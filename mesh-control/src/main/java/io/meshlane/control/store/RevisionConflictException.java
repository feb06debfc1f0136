package io.meshlane.control.store;

/** The key was modified since the revision the caller read: re-read it and retry. */
public final class RevisionConflictException extends StoreException {
    private final long currentRevision;

    public RevisionConflictException(String key, long expected, long current) {
        super("key " + key + " is at revision " + current + ", not the expected " + expected);
        this.currentRevision = current;
    }

    public long currentRevision() {
        return currentRevision;
    }
}
