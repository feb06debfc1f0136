package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** What the kernel holds right now: every program, map and link, as bpftool would list them. */
public final class BpfInventory {

    public record Program(int id, int type, String name) {
    }

    public record Map(int id, int type, String name) {
    }

    public record Link(int id, int type, int programId) {
    }

    private BpfInventory() {
    }

    public static List<Program> programs() {
        List<Program> out = new ArrayList<>();
        for (int id : ids(Libbpf.PROG_NEXT_ID)) {
            // bpf_prog_info: type @0, id @4, name[16] @64
            withInfo(Libbpf.PROG_FD_BY_ID, id, 256, info ->
                    out.add(new Program(id, info.get(ValueLayout.JAVA_INT, 0), cString(info, 64, 16))));
        }
        return out;
    }

    public static List<Map> maps() {
        List<Map> out = new ArrayList<>();
        for (int id : ids(Libbpf.MAP_NEXT_ID)) {
            // bpf_map_info: type @0, id @4, name[16] @24
            withInfo(Libbpf.MAP_FD_BY_ID, id, 128, info ->
                    out.add(new Map(id, info.get(ValueLayout.JAVA_INT, 0), cString(info, 24, 16))));
        }
        return out;
    }

    public static List<Link> links() {
        List<Link> out = new ArrayList<>();
        for (int id : ids(Libbpf.LINK_NEXT_ID)) {
            // bpf_link_info: type @0, id @4, prog_id @8
            withInfo(Libbpf.LINK_FD_BY_ID, id, 64, info ->
                    out.add(new Link(id, info.get(ValueLayout.JAVA_INT, 0), info.get(ValueLayout.JAVA_INT, 8))));
        }
        return out;
    }

    /** The id of the program that the link pinned at {@code pin} attaches. */
    public static int programIdOfPinnedLink(java.nio.file.Path pin) {
        int fd = Pins.open(pin);
        try (Arena call = Arena.ofConfined()) {
            return info(call, fd, 64).get(ValueLayout.JAVA_INT, 8);
        } finally {
            Fds.close(fd);
        }
    }

    /** The kernel id of a map fd. */
    public static int mapId(int mapFd) {
        try (Arena call = Arena.ofConfined()) {
            return info(call, mapFd, 128).get(ValueLayout.JAVA_INT, 4);
        }
    }

    private static List<Integer> ids(MethodHandle nextId) {
        List<Integer> ids = new ArrayList<>();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment next = call.allocate(ValueLayout.JAVA_INT);
            int current = 0;
            while (true) {
                int rc = (int) nextId.invokeExact(current, next);
                if (rc < 0) {
                    if (rc == -Errno.ENOENT.code) {
                        return ids;
                    }
                    throw new BpfException("listing BPF objects", rc);
                }
                current = next.get(ValueLayout.JAVA_INT, 0);
                ids.add(current);
            }
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    private static void withInfo(MethodHandle fdById, int id, int size, java.util.function.Consumer<MemorySegment> use) {
        int fd;
        try {
            fd = (int) fdById.invokeExact(id);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
        if (fd < 0) {
            return; // gone since it was listed
        }
        try (Arena call = Arena.ofConfined()) {
            use.accept(info(call, fd, size));
        } finally {
            Fds.close(fd);
        }
    }

    private static MemorySegment info(Arena call, int fd, int size) {
        MemorySegment info = call.allocate(size, 8);
        MemorySegment length = call.allocate(ValueLayout.JAVA_INT);
        length.set(ValueLayout.JAVA_INT, 0, size);
        try {
            int rc = (int) Libbpf.OBJ_INFO.invokeExact(fd, info, length);
            if (rc < 0) {
                throw new BpfException("reading BPF object info", rc);
            }
            return info;
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    private static String cString(MemorySegment segment, long offset, int max) {
        byte[] bytes = segment.asSlice(offset, max).toArray(ValueLayout.JAVA_BYTE);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }
}
