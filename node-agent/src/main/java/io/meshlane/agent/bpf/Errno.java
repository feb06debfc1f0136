package io.meshlane.agent.bpf;

/** The errno values the loader explains to users. */
enum Errno {
    EPERM(1, "operation not permitted"),
    ENOENT(2, "no such file or directory"),
    ESRCH(3, "no such process"),
    E2BIG(7, "argument list too long"),
    EBADF(9, "bad file descriptor"),
    ENOMEM(12, "out of memory"),
    EACCES(13, "permission denied"),
    EFAULT(14, "bad address"),
    EBUSY(16, "device or resource busy"),
    EEXIST(17, "file exists"),
    ENOTDIR(20, "not a directory"),
    EINVAL(22, "invalid argument"),
    ENOSPC(28, "no space left (map full)"),
    EOPNOTSUPP(95, "operation not supported"),
    UNKNOWN(-1, "unknown error");

    final int code;
    final String text;

    Errno(int code, String text) {
        this.code = code;
        this.text = text;
    }

    static Errno of(int code) {
        int positive = Math.abs(code);
        for (Errno e : values()) {
            if (e.code == positive) {
                return e;
            }
        }
        return UNKNOWN;
    }

    static String describe(int code) {
        Errno e = of(code);
        int positive = Math.abs(code);
        return e == UNKNOWN ? "errno " + positive : e.name() + " (" + e.text + ")";
    }
}
