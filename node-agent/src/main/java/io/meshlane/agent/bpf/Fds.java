package io.meshlane.agent.bpf;

/** Closing raw file descriptors handed out by bpf(2). */
final class Fds {

    private Fds() {
    }

    static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) Libbpf.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }
}
