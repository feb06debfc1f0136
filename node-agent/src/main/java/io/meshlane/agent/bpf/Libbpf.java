package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcalls into libbpf.so.1 (Debian's libbpf1) and the few libc calls the loader needs.
 * Functions returning pointers report failure as NULL plus errno, which is captured per
 * call; functions returning int report -errno directly (libbpf 1.x semantics).
 */
final class Libbpf {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBBPF = loadLibbpf();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    // object lifecycle
    static final MethodHandle OBJECT_OPEN_MEM = errnoCall("bpf_object__open_mem", ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    static final MethodHandle OBJECT_LOAD = call("bpf_object__load", JAVA_INT, ADDRESS);
    static final MethodHandle OBJECT_CLOSE = voidCall("bpf_object__close", ADDRESS);
    static final MethodHandle FIND_PROGRAM = call("bpf_object__find_program_by_name", ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle FIND_MAP = call("bpf_object__find_map_by_name", ADDRESS, ADDRESS, ADDRESS);
    static final MethodHandle PROGRAM_FD = call("bpf_program__fd", JAVA_INT, ADDRESS);
    static final MethodHandle MAP_FD = call("bpf_map__fd", JAVA_INT, ADDRESS);
    static final MethodHandle MAP_SET_MAX_ENTRIES = call("bpf_map__set_max_entries", JAVA_INT, ADDRESS, JAVA_INT);

    // links and pins
    static final MethodHandle ATTACH_CGROUP = errnoCall("bpf_program__attach_cgroup", ADDRESS, ADDRESS, JAVA_INT);
    static final MethodHandle LINK_PIN = call("bpf_link__pin", JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle LINK_FD = call("bpf_link__fd", JAVA_INT, ADDRESS);
    static final MethodHandle LINK_DESTROY = call("bpf_link__destroy", JAVA_INT, ADDRESS);
    static final MethodHandle OBJ_GET = call("bpf_obj_get", JAVA_INT, ADDRESS);
    static final MethodHandle OBJ_PIN = call("bpf_obj_pin", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle PROG_ATTACH = call("bpf_prog_attach", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    static final MethodHandle PROG_DETACH2 = call("bpf_prog_detach2", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    static final MethodHandle LINK_DETACH = call("bpf_link_detach", JAVA_INT, JAVA_INT);
    static final MethodHandle LINK_CREATE = call("bpf_link_create", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle TC_HOOK_CREATE = call("bpf_tc_hook_create", JAVA_INT, ADDRESS);
    static final MethodHandle TC_ATTACH = call("bpf_tc_attach", JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle TC_DETACH = call("bpf_tc_detach", JAVA_INT, ADDRESS, ADDRESS);

    // maps
    static final MethodHandle MAP_UPDATE = call("bpf_map_update_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
    static final MethodHandle MAP_LOOKUP = call("bpf_map_lookup_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle MAP_DELETE = call("bpf_map_delete_elem", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle MAP_NEXT_KEY = call("bpf_map_get_next_key", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle MAP_LOOKUP_BATCH = call("bpf_map_lookup_batch", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS);

    // introspection
    static final MethodHandle OBJ_INFO = call("bpf_obj_get_info_by_fd", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle PROG_NEXT_ID = call("bpf_prog_get_next_id", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle MAP_NEXT_ID = call("bpf_map_get_next_id", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle LINK_NEXT_ID = call("bpf_link_get_next_id", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle PROG_FD_BY_ID = call("bpf_prog_get_fd_by_id", JAVA_INT, JAVA_INT);
    static final MethodHandle MAP_FD_BY_ID = call("bpf_map_get_fd_by_id", JAVA_INT, JAVA_INT);
    static final MethodHandle LINK_FD_BY_ID = call("bpf_link_get_fd_by_id", JAVA_INT, JAVA_INT);
    static final MethodHandle PROBE_PROG_TYPE = call("libbpf_probe_bpf_prog_type", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle PROBE_MAP_TYPE = call("libbpf_probe_bpf_map_type", JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle NUM_POSSIBLE_CPUS = call("libbpf_num_possible_cpus", JAVA_INT);

    // libc
    static final MethodHandle OPEN = LINKER.downcallHandle(LIBC.find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
    static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle MOUNT = LINKER.downcallHandle(LIBC.find("mount").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), CAPTURE_ERRNO);

    static final MethodHandle SETNS = LINKER.downcallHandle(LIBC.find("setns").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    static final MethodHandle IF_NAMETOINDEX = LINKER.downcallHandle(LIBC.find("if_nametoindex").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS), CAPTURE_ERRNO);

    static final int O_RDONLY = 0;
    static final int O_DIRECTORY = 0200000;
    static final int O_CLOEXEC = 02000000;

    private Libbpf() {
    }

    private static SymbolLookup loadLibbpf() {
        for (String name : new String[] {"libbpf.so.1", "libbpf.so"}) {
            try {
                return SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException notFound) {
                // try the next name
            }
        }
        throw new BpfException("libbpf.so.1 not found: install it with `apt-get install libbpf1` "
                + "(./meshlane up and ./meshlane test install it for you)");
    }

    private static MethodHandle call(String name, ValueLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(ret, args));
    }

    private static MethodHandle voidCall(String name, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.ofVoid(args));
    }

    private static MethodHandle errnoCall(String name, ValueLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(ret, args), CAPTURE_ERRNO);
    }

    private static MemorySegment symbol(String name) {
        return LIBBPF.find(name).orElseThrow(() -> new BpfException(
                "libbpf lacks " + name + ": meshlane needs libbpf >= 1.0 (Debian 12's libbpf1 1.1 works)"));
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** Rethrows what a MethodHandle invocation threw, keeping unchecked exceptions as they are. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
