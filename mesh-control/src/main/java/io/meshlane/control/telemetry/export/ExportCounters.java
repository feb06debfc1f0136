package io.meshlane.control.telemetry.export;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link ExportStats}. */
final class ExportCounters {
    final LongAdder sentRequests = new LongAdder();
    final LongAdder sentItems = new LongAdder();
    final LongAdder droppedRequests = new LongAdder();
    final LongAdder droppedItems = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder rejectedItems = new LongAdder();

    void dropped(long items) {
        droppedRequests.increment();
        droppedItems.add(items);
    }

    void sent(long items) {
        sentRequests.increment();
        sentItems.add(items);
    }

    ExportStats snapshot(int queueDepth) {
        return new ExportStats(sentRequests.sum(), sentItems.sum(), droppedRequests.sum(), droppedItems.sum(), retries.sum(),
                rejectedItems.sum(), queueDepth);
    }
}
