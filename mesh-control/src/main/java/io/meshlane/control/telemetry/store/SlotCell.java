package io.meshlane.control.telemetry.store;

/** One series' counters for one time slot; guarded by its shard's lock. */
final class SlotCell {

    static final long BASE_BYTES = 96;

    final long slot;
    long requests;
    long errors;
    boolean approximate;
    long tcpOpened;
    long tcpClosed;
    long sentBytes;
    long receivedBytes;
    /** Created on the first latency, so TCP-only cells carry none. */
    LatencyHistogram latency;

    SlotCell(long slot) {
        this.slot = slot;
    }

    long footprintBytes() {
        return BASE_BYTES + (latency == null ? 0 : latency.footprintBytes());
    }
}
