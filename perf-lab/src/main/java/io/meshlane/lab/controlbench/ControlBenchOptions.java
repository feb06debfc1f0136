package io.meshlane.lab.controlbench;

/**
 * Sizes of one control-plane benchmark run: {@code objects} creates (the collection the gets and lists read),
 * {@code gets} single-object reads, {@code lists} full reads of the collection in kubectl's pages of
 * {@code pageSize}, {@code watchers} watches each sent {@code changes} changes; {@code concurrency} requests
 * in flight over {@code connections} HTTP/2 connections.
 */
public record ControlBenchOptions(int objects, int gets, int lists, int pageSize, int watchers, int changes, int concurrency,
                                  int connections) {

    public ControlBenchOptions {
        positive("objects", objects);
        positive("gets", gets);
        positive("lists", lists);
        positive("page size", pageSize);
        positive("watchers", watchers);
        positive("changes", changes);
        positive("concurrency", concurrency);
        positive("connections", connections);
    }

    private static void positive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be at least 1, not " + value);
        }
    }
}
