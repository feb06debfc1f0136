package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.nio.file.Path;

/** bpffs pins: objects that outlive the process that created them. */
public final class Pins {

    private Pins() {
    }

    /** Opens the object pinned at {@code path}; the caller owns the returned fd. */
    public static int open(Path path) {
        try (Arena call = Arena.ofConfined()) {
            int fd = (int) Libbpf.OBJ_GET.invokeExact(call.allocateFrom(path.toString()));
            if (fd < 0) {
                throw new BpfException("opening BPF pin " + path, fd);
            }
            return fd;
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    static void pin(int fd, Path path, String what) {
        try (Arena call = Arena.ofConfined()) {
            int rc = (int) Libbpf.OBJ_PIN.invokeExact(fd, call.allocateFrom(path.toString()));
            if (rc < 0) {
                throw new BpfException("pinning " + what + " at " + path, rc);
            }
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }
}
