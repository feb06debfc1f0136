package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** An open cgroup-v2 directory, the target of cgroup program attachments. */
public final class Cgroup implements AutoCloseable {

    private final Path path;
    private final int fd;

    private Cgroup(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    public static Cgroup open(Path path) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Libbpf.CALL_STATE);
            int fd = (int) Libbpf.OPEN.invokeExact(state, call.allocateFrom(path.toString()),
                    Libbpf.O_RDONLY | Libbpf.O_DIRECTORY | Libbpf.O_CLOEXEC);
            if (fd < 0) {
                throw new BpfException("opening cgroup directory " + path, Libbpf.errno(state));
            }
            return new Cgroup(path, fd);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    public Path path() {
        return path;
    }

    int fd() {
        return fd;
    }

    @Override
    public void close() {
        Fds.close(fd);
    }
}
