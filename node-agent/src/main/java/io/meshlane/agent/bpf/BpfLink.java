package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A bpf_link: the attachment of one program to one hook. While pinned it outlives this
 * process, which is how an agent restart leaves traffic untouched.
 */
public final class BpfLink implements AutoCloseable {

    private final String name;
    private MemorySegment link;

    BpfLink(String name, MemorySegment link) {
        this.name = name;
        this.link = link;
    }

    public int fd() {
        try {
            return (int) Libbpf.LINK_FD.invokeExact(link);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    public void pin(Path path) {
        try (Arena call = Arena.ofConfined()) {
            int rc = (int) Libbpf.LINK_PIN.invokeExact(link, call.allocateFrom(path.toString()));
            if (rc < 0) {
                throw new BpfException("pinning link of " + name + " at " + path, rc);
            }
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /** Releases this process's handle. A pinned link stays attached; an unpinned one detaches. */
    @Override
    public void close() {
        if (link == null) {
            return;
        }
        try {
            int ignored = (int) Libbpf.LINK_DESTROY.invokeExact(link);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        } finally {
            link = null;
        }
    }

    /** Detaches the link pinned at {@code path} from its hook, whoever holds it. */
    public static void detachPinned(Path path) {
        int fd = Pins.open(path);
        try {
            int rc = (int) Libbpf.LINK_DETACH.invokeExact(fd);
            if (rc < 0) {
                throw new BpfException("detaching link pinned at " + path, rc);
            }
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        } finally {
            Fds.close(fd);
        }
    }
}
