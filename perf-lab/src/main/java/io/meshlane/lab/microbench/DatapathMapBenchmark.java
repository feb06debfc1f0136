package io.meshlane.lab.microbench;

import io.meshlane.agent.bpf.BpfMap;
import io.meshlane.agent.datapath.CounterSnapshot;
import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.DatapathConfig;
import io.meshlane.agent.datapath.MapName;
import io.meshlane.lab.node.Cgroups;
import io.meshlane.lab.node.LabLayout;
import io.meshlane.lab.node.NodeLab;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * The node agent's FFM hot paths on the real kernel: one bpf map update and one lookup
 * (libbpf's bpf_map_update_elem / bpf_map_lookup_elem through FFM, on the pinned
 * {@code ml_ns_accel} hash map) and one read of all per-CPU node counters (the stats read),
 * batched ({@code statsRead}) and one lookup per counter ({@code statsReadPerKey}).
 * The datapath is installed on a cgroup subtree this benchmark creates
 * ({@code <cgroup2>/meshlane-lab/jmh/ebpf}, node {@code ml-jmh}) and removed afterwards
 * ({@code NodeLab.down("jmh")}: datapath, pins, cgroups).
 * Needs root.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Dio.netty.leakDetection.level=disabled"})
public class DatapathMapBenchmark {
    /** A namespace id no lab pod uses: updating it changes no traffic. */
    private static final int UNUSED_NAMESPACE_ID = 0x7ffffff0;

    private LabLayout layout;
    private DatapathConfig config;
    private Datapath datapath;
    private BpfMap map;
    private Arena arena;
    private MemorySegment key;
    private MemorySegment value;
    private MemorySegment readBack;

    @Setup(Level.Trial)
    public void setUp() {
        layout = LabLayout.of("jmh");
        NodeLab.down("jmh");
        Cgroups.create(layout.acceleratedRoot());
        config = DatapathConfig.forCgroupRoot(layout.datapathNode(), layout.acceleratedRoot());
        datapath = Datapath.open(config);
        if (datapath.mode() != Datapath.Mode.ACCELERATING) {
            throw new IllegalStateException("datapath is in pass-through mode: " + datapath.passThroughReason());
        }
        map = BpfMap.openPinned(MapName.ML_NS_ACCEL.cName(), config.pinDir().resolve("maps").resolve(MapName.ML_NS_ACCEL.cName()));
        arena = Arena.ofShared();
        key = arena.allocate(ValueLayout.JAVA_INT);
        key.set(ValueLayout.JAVA_INT, 0, UNUSED_NAMESPACE_ID);
        value = arena.allocate(ValueLayout.JAVA_INT);
        value.set(ValueLayout.JAVA_INT, 0, 1);
        readBack = arena.allocate(ValueLayout.JAVA_INT);
        map.update(key, value, BpfMap.ANY);
    }

    @Benchmark
    public void mapUpdate() {
        map.update(key, value, BpfMap.ANY);
    }

    @Benchmark
    public boolean mapLookup() {
        return map.lookup(key, readBack);
    }

    /** All node counters in one BPF_MAP_LOOKUP_BATCH syscall (what the agent's scrape does). */
    @Benchmark
    public CounterSnapshot statsRead() {
        return datapath.counters();
    }

    /** All node counters with one bpf_map_lookup_elem per counter (the read the batch replaced). */
    @Benchmark
    public CounterSnapshot statsReadPerKey() {
        return datapath.counterReader().readPerKey();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        map.delete(key);
        map.close();
        arena.close();
        datapath.close();
        NodeLab.down("jmh");
    }
}
