package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.BpfMap;
import io.meshlane.agent.testnode.TestNode;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The agent reads the node counters with one BPF_MAP_LOOKUP_BATCH call on the real kernel; it
 * must see exactly what a lookup per counter sees. Every CPU slot of every counter gets a
 * different value, so a value read from the wrong key, CPU or offset changes a sum.
 */
class CounterBatchReadTest {

    @Test
    void batchReadOfTheNodeCountersAgreesWithOneLookupPerCounter() {
        try (TestNode node = new TestNode(); Datapath datapath = Datapath.open(node.config())) {
            assertEquals(Datapath.Mode.ACCELERATING, datapath.mode(), datapath.passThroughReason());
            int cpus = BpfMap.possibleCpus();
            try (BpfMap counters = BpfMap.openPinned(MapName.ML_COUNTERS.cName(),
                    node.config().pinDir().resolve("maps").resolve(MapName.ML_COUNTERS.cName()))) {
                for (Counter c : Counter.values()) {
                    ByteBuffer value = ByteBuffer.allocate(Long.BYTES * cpus).order(ByteOrder.nativeOrder());
                    for (int cpu = 0; cpu < cpus; cpu++) {
                        value.putLong(slotValue(c, cpu));
                    }
                    byte[] key = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder()).putInt(c.ordinal()).array();
                    counters.update(key, value.array(), BpfMap.ANY);
                }
            }
            CounterReader reader = datapath.counterReader();
            CounterSnapshot batch = reader.read();
            CounterSnapshot perKey = reader.readPerKey();
            for (Counter c : Counter.values()) {
                long expected = 0;
                for (int cpu = 0; cpu < cpus; cpu++) {
                    expected += slotValue(c, cpu);
                }
                assertEquals(expected, batch.get(c), "batch read of " + c.metricName());
                assertEquals(expected, perKey.get(c), "per-key read of " + c.metricName());
            }
            assertEquals(perKey, batch);
        }
    }

    private static long slotValue(Counter c, int cpu) {
        return (c.ordinal() + 1L) * 1_000_003L + cpu * 7L + 1;
    }
}
