package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A program on one interface's tc ingress inside a network namespace: a TCX link where the
 * kernel has them (Linux 6.6), pinned so it outlives the agent like the cgroup links, else a
 * clsact filter (held by the interface itself, gone with it).
 *
 * <p>An ifindex means something only inside its namespace, and setns(2) moves just the calling
 * thread, so every attach and detach runs on a short-lived platform thread that joins the
 * namespace and then ends; no other thread of the agent ever leaves the host namespace.
 */
public final class TcIngress {

    /** How a program is attached; {@link #TCX} needs Linux 6.6. */
    public enum Kind { TCX, CLSACT }

    /** enum bpf_attach_type BPF_TCX_INGRESS (Linux 6.6): libbpf 1.1 predates bpf_program__attach_tcx, bpf_link_create takes it. */
    static final int TCX_INGRESS = 46;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int TC_INGRESS = 1;
    /** Handle and priority of meshlane's clsact filter, so that detach finds exactly ours among other tools' filters. */
    private static final int CLSACT_HANDLE = 0x6d6c;
    private static final int CLSACT_PRIORITY = 0x6d6c;
    private static final long TC_HOOK_SIZE = 24;
    private static final long TC_OPTS_SIZE = 32;

    private TcIngress() {
    }

    /** Work done inside a namespace: FFM downcalls, which declare Throwable. */
    private interface NetnsWork<T> {
        T run() throws Throwable;
    }

    /**
     * Attaches the program pinned at {@code programPin} through a TCX link and pins the link at
     * {@code linkPin}. The pin is made back on the calling thread: bpffs refuses pins from a thread
     * in another network namespace than its mount's (EPERM), and the link fd is the process's anyway.
     */
    public static void attachTcx(Path programPin, Path netns, String ifname, Path linkPin) {
        int[] link = new int[1];
        withProgram(programPin, programFd -> link[0] = inNetns(netns, "attaching to " + ifname, () -> {
            int fd = (int) Libbpf.LINK_CREATE.invokeExact(programFd, ifindex(netns, ifname), TCX_INGRESS, MemorySegment.NULL);
            if (fd < 0) {
                throw new BpfException("attaching a TCX ingress link to " + ifname + " in " + netns, fd);
            }
            return fd;
        }));
        try {
            Pins.pin(link[0], linkPin, "TCX link on " + ifname);
        } finally {
            Fds.close(link[0]);
        }
    }

    /** Attaches the program pinned at {@code programPin} as meshlane's filter on the interface's clsact ingress. */
    public static void attachClsact(Path programPin, Path netns, String ifname) {
        withProgram(programPin, programFd -> inNetns(netns, "attaching to " + ifname, () -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment hook = hook(call, ifindex(netns, ifname));
                int rc = (int) Libbpf.TC_HOOK_CREATE.invokeExact(hook);
                if (rc < 0 && rc != -Errno.EEXIST.code) {
                    throw new BpfException("creating the clsact qdisc on " + ifname + " in " + netns, rc);
                }
                MemorySegment opts = opts(call);
                opts.set(ValueLayout.JAVA_INT, 8, programFd);
                rc = (int) Libbpf.TC_ATTACH.invokeExact(hook, opts);
                if (rc < 0) {
                    throw new BpfException("attaching a clsact ingress filter to " + ifname + " in " + netns, rc);
                }
            }
            return null;
        }));
    }

    private static void withProgram(Path programPin, java.util.function.IntConsumer use) {
        int fd = Pins.open(programPin);
        try {
            use.accept(fd);
        } finally {
            Fds.close(fd);
        }
    }

    /** Removes meshlane's clsact filter; nothing to do when the namespace or interface is already gone. */
    public static void detachClsact(Path netns, String ifname) {
        if (!Files.exists(netns)) {
            return;
        }
        inNetns(netns, "detaching from " + ifname, () -> {
            try (Arena call = Arena.ofConfined()) {
                int ifindex = (int) Libbpf.IF_NAMETOINDEX.invokeExact(call.allocate(Libbpf.CALL_STATE),
                        call.allocateFrom(ifname));
                if (ifindex == 0) {
                    return null;
                }
                int rc = (int) Libbpf.TC_DETACH.invokeExact(hook(call, ifindex), opts(call));
                if (rc < 0 && rc != -Errno.ENOENT.code) {
                    throw new BpfException("detaching meshlane's clsact filter from " + ifname + " in " + netns, rc);
                }
            }
            return null;
        });
    }

    private static MemorySegment hook(Arena call, int ifindex) {
        MemorySegment hook = call.allocate(TC_HOOK_SIZE, 8);
        hook.set(ValueLayout.JAVA_LONG, 0, TC_HOOK_SIZE);
        hook.set(ValueLayout.JAVA_INT, 8, ifindex);
        hook.set(ValueLayout.JAVA_INT, 12, TC_INGRESS);
        return hook;
    }

    /** struct bpf_tc_opts {sz; prog_fd; flags; prog_id; handle; priority}: our handle and priority, no program. */
    private static MemorySegment opts(Arena call) {
        MemorySegment opts = call.allocate(TC_OPTS_SIZE, 8);
        opts.set(ValueLayout.JAVA_LONG, 0, TC_OPTS_SIZE);
        opts.set(ValueLayout.JAVA_INT, 20, CLSACT_HANDLE);
        opts.set(ValueLayout.JAVA_INT, 24, CLSACT_PRIORITY);
        return opts;
    }

    private static int ifindex(Path netns, String ifname) throws Throwable {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Libbpf.CALL_STATE);
            int ifindex = (int) Libbpf.IF_NAMETOINDEX.invokeExact(state, call.allocateFrom(ifname));
            if (ifindex == 0) {
                throw new BpfException("network namespace " + netns + " has no interface " + ifname
                        + ": check the pod's interface name", -Libbpf.errno(state));
            }
            return ifindex;
        }
    }

    /** Runs {@code work} on a fresh thread that joined {@code netns}; the thread ends with it. */
    private static <T> T inNetns(Path netns, String what, NetnsWork<T> work) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("meshlane-netns").unstarted(() -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment state = call.allocate(Libbpf.CALL_STATE);
                int fd = (int) Libbpf.OPEN.invokeExact(state, call.allocateFrom(netns.toString()),
                        Libbpf.O_RDONLY | Libbpf.O_CLOEXEC);
                if (fd < 0) {
                    throw new BpfException("opening network namespace " + netns + " (" + what
                            + "): is the pod still running?", -Libbpf.errno(state));
                }
                try {
                    int rc = (int) Libbpf.SETNS.invokeExact(state, fd, CLONE_NEWNET);
                    if (rc < 0) {
                        throw new BpfException("entering network namespace " + netns + " (" + what + ")",
                                -Libbpf.errno(state));
                    }
                } finally {
                    Fds.close(fd);
                }
                result.set(work.run());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BpfException("interrupted while " + what + " in " + netns);
        }
        if (failure.get() != null) {
            throw Libbpf.rethrow(failure.get());
        }
        return result.get();
    }
}
