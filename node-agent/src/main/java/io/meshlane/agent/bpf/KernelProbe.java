package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Asks the kernel, through libbpf's probes, whether a program or map type can be loaded. */
public final class KernelProbe {

    public static final int PROG_SOCK_OPS = 13;
    public static final int PROG_SK_MSG = 16;
    public static final int PROG_CGROUP_SOCK_ADDR = 18;
    public static final int PROG_CGROUP_SOCKOPT = 25;
    public static final int MAP_SOCKHASH = 18;
    public static final int MAP_LPM_TRIE = 11;
    public static final int MAP_PERCPU_ARRAY = 6;

    private KernelProbe() {
    }

    public static boolean programType(int type) {
        try {
            return (int) Libbpf.PROBE_PROG_TYPE.invokeExact(type, MemorySegment.NULL) == 1;
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    public static boolean mapType(int type) {
        try {
            return (int) Libbpf.PROBE_MAP_TYPE.invokeExact(type, MemorySegment.NULL) == 1;
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /** mount -t bpf bpf {@code target}. */
    public static void mountBpffs(java.nio.file.Path target) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Libbpf.CALL_STATE);
            int rc = (int) Libbpf.MOUNT.invokeExact(state, call.allocateFrom("bpf"), call.allocateFrom(target.toString()),
                    call.allocateFrom("bpf"), 0L, MemorySegment.NULL);
            if (rc < 0) {
                throw new BpfException("mounting bpffs at " + target, Libbpf.errno(state));
            }
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }
}
