package io.meshlane.control.telemetry.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One key's slots, oldest first, plus the workloads seen for it; guarded by its shard's lock. */
final class Series {

    /** A service with more workloads than this is a label explosion; the list stops growing. */
    static final int MAX_WORKLOADS = 16;

    final SeriesKey key;
    final List<String> workloads = new ArrayList<>(2);
    private SlotCell[] cells = new SlotCell[4];
    private int count;
    /** Bytes the cell array grew by since the owner last collected them. */
    long grownBytes;

    Series(SeriesKey key) {
        this.key = key;
    }

    /** The cell of {@code slot}, or null. Searches from the newest end, where nearly all samples land. */
    SlotCell find(long slot) {
        for (int i = count - 1; i >= 0; i--) {
            long s = cells[i].slot;
            if (s == slot) {
                return cells[i];
            }
            if (s < slot) {
                return null;
            }
        }
        return null;
    }

    SlotCell create(long slot) {
        int at = count;
        while (at > 0 && cells[at - 1].slot > slot) {
            at--;
        }
        if (count == cells.length) {
            cells = Arrays.copyOf(cells, count * 2);
            grownBytes += 8L * count;
        }
        System.arraycopy(cells, at, cells, at + 1, count - at);
        SlotCell cell = new SlotCell(slot);
        cells[at] = cell;
        count++;
        return cell;
    }

    /** Adds a workload name; returns its footprint when it was new, 0 otherwise. */
    long addWorkload(String workload) {
        if (workload.isEmpty() || workloads.size() >= MAX_WORKLOADS || workloads.contains(workload)) {
            return 0;
        }
        workloads.add(workload);
        return workloadBytes(workload);
    }

    /** Estimated heap of one workload name kept in a series (the String and its set entry). */
    static long workloadBytes(String workload) {
        return 56 + workload.length();
    }

    long oldestSlot() {
        return count == 0 ? Long.MAX_VALUE : cells[0].slot;
    }

    int cellCount() {
        return count;
    }

    SlotCell cell(int i) {
        return cells[i];
    }

    /** Drops cells of slots ≤ {@code slot}; returns {bytes freed, cells dropped}. */
    long[] evictThrough(long slot) {
        int drop = 0;
        long bytes = 0;
        while (drop < count && cells[drop].slot <= slot) {
            bytes += cells[drop].footprintBytes();
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(cells, drop, cells, 0, count - drop);
            Arrays.fill(cells, count - drop, count, null);
            count -= drop;
        }
        return new long[] {bytes, drop};
    }

    /** Bytes of the key, the map entry and the cell array (workloads are counted as they arrive). */
    long fixedBytes() {
        return key.footprintBytes() + 96 + 16 + 8L * cells.length;
    }
}
