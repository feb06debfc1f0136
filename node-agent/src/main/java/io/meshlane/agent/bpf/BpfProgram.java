package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** A loaded program inside a {@link BpfObject}. */
public final class BpfProgram {

    private final String name;
    private final MemorySegment program;

    BpfProgram(String name, MemorySegment program) {
        this.name = name;
        this.program = program;
    }

    public String name() {
        return name;
    }

    public int fd() {
        try {
            return (int) Libbpf.PROGRAM_FD.invokeExact(program);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    public void pin(Path path) {
        Pins.pin(fd(), path, "program " + name);
    }

    /**
     * Attaches to a cgroup-v2 directory through a bpf_link (multi-attach: programs already
     * attached there keep running).
     */
    public BpfLink attachCgroup(Cgroup cgroup) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Libbpf.CALL_STATE);
            MemorySegment link = (MemorySegment) Libbpf.ATTACH_CGROUP.invokeExact(state, program, cgroup.fd());
            if (link.equals(MemorySegment.NULL)) {
                throw new BpfException("attaching " + name + " to cgroup " + cgroup.path(), Libbpf.errno(state));
            }
            return new BpfLink(name, link);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /** Attaches to a sockmap/sockhash (sk_msg verdict); the map holds the program from then on. */
    public void attachToMap(BpfMap map, AttachType type) {
        try {
            int rc = (int) Libbpf.PROG_ATTACH.invokeExact(fd(), map.fd(), type.value, 0);
            if (rc < 0) {
                throw new BpfException("attaching " + name + " to map " + map.name(), rc);
            }
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /** Attaches the old way (BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI), as many existing tools do. */
    public void attachLegacy(Cgroup cgroup, AttachType type) {
        try {
            int rc = (int) Libbpf.PROG_ATTACH.invokeExact(fd(), cgroup.fd(), type.value, AttachType.F_ALLOW_MULTI);
            if (rc < 0) {
                throw new BpfException("attaching " + name + " to cgroup " + cgroup.path(), rc);
            }
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    public void detachLegacy(Cgroup cgroup, AttachType type) {
        detach(fd(), cgroup.fd(), type, "cgroup " + cgroup.path());
    }

    /** Detaches the program with fd {@code programFd} from a map or cgroup fd. */
    static void detach(int programFd, int targetFd, AttachType type, String target) {
        try {
            int rc = (int) Libbpf.PROG_DETACH2.invokeExact(programFd, targetFd, type.value);
            if (rc < 0) {
                throw new BpfException("detaching program from " + target, rc);
            }
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }
}
