package io.meshlane.lab.telemetry;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Creates sockets in another network namespace: a short-lived platform thread enters the named
 * namespace with libc's {@code setns} (through the FFM API; a network namespace is a per-task
 * attribute, so only that thread moves), creates what it is asked to, and ends. Sockets keep
 * the namespace they were created in. The thread must end rather than linger, because every
 * thread it started (e.g. the carriers of virtual threads) would inherit its namespace.
 */
public final class NetnsEntry {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final StructLayout CAPTURED = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURED.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN;
    private static final MethodHandle SETNS;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        OPEN = linker.downcallHandle(symbol(linker, "open"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), errno);
        SETNS = linker.downcallHandle(symbol(linker, "setns"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
        CLOSE = linker.downcallHandle(symbol(linker, "close"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private NetnsEntry() {
    }

    private static MemorySegment symbol(Linker linker, String name) {
        return linker.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
    }

    /** Runs {@code action} on a fresh platform thread inside /run/netns/{@code name} and returns its result. */
    public static <T> T inside(String name, java.util.concurrent.Callable<T> action) throws Exception {
        Object[] result = new Object[1];
        Exception[] failure = new Exception[1];
        Thread t = Thread.ofPlatform().name("netns-" + name).start(() -> {
            try {
                enter(name);
                result[0] = action.call();
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        t.join();
        if (failure[0] != null) {
            throw failure[0];
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    /** Enters /run/netns/{@code name} on the calling (platform) thread. */
    private static void enter(String name) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns on a virtual thread would move its carrier; use a platform thread");
        }
        String path = "/run/netns/" + name;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURED);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw new IllegalStateException("cannot open " + path + ": errno " + (int) ERRNO.get(state, 0L)
                        + " (is the lab up?)");
            }
            int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
            int err = (int) ERRNO.get(state, 0L);
            int ignored = (int) CLOSE.invokeExact(fd);
            if (rc != 0) {
                throw new IllegalStateException("setns(" + path + ", CLONE_NEWNET) failed: errno " + err
                        + " (needs CAP_SYS_ADMIN: run the lab as root)");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setns into " + path + " failed: " + t, t);
        }
    }
}
