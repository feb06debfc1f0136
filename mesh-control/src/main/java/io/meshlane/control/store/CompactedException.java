package io.meshlane.control.store;

/** The requested revision's history was compacted away: list again and watch from the new revision. */
public final class CompactedException extends StoreException {
    private final long compactedRevision;

    public CompactedException(long requested, long compactedRevision) {
        super("revision " + requested + " is compacted (history starts after " + compactedRevision + ")");
        this.compactedRevision = compactedRevision;
    }

    public long compactedRevision() {
        return compactedRevision;
    }
}
