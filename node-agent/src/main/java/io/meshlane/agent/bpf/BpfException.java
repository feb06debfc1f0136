package io.meshlane.agent.bpf;

/** A libbpf or bpf(2) failure, with the errno and what the user can do about it. */
public final class BpfException extends RuntimeException {

    private final int errno;

    public BpfException(String message) {
        super(message);
        this.errno = 0;
    }

    BpfException(String what, int errno) {
        super(what + ": " + Errno.describe(errno) + advice(errno));
        this.errno = Math.abs(errno);
    }

    /** The positive errno, or 0 when the failure did not come from a system call. */
    public int errno() {
        return errno;
    }

    public boolean isNotFound() {
        return errno == Errno.ENOENT.code;
    }

    private static String advice(int errno) {
        return switch (Errno.of(errno)) {
            case EPERM, EACCES -> ": run as root, or grant CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN"
                    + " (and raise RLIMIT_MEMLOCK on kernels older than 5.11)";
            case ENOENT -> "";
            case ENOSPC, E2BIG -> ": the map is full; raise its max_entries or remove stale entries";
            case EINVAL -> ": the kernel rejected the request; run `meshlane preflight` to check kernel support";
            case EOPNOTSUPP -> ": this kernel lacks the feature; run `meshlane preflight`";
            case EBUSY -> ": another program holds an exclusive attachment on this hook";
            default -> "";
        };
    }
}
