package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A BPF map reached through a file descriptor. Segment-based calls allocate nothing and
 * are what hot paths use; the byte[] calls are for control paths.
 */
public final class BpfMap implements AutoCloseable {

    /** bpf_map_update_elem flags. */
    public static final long ANY = 0;
    public static final long NOEXIST = 1;
    public static final long EXIST = 2;

    private final String name;
    private final int fd;
    private final boolean owned;

    private BpfMap(String name, int fd, boolean owned) {
        this.name = name;
        this.fd = fd;
        this.owned = owned;
    }

    static BpfMap borrowed(String name, int fd) {
        return new BpfMap(name, fd, false);
    }

    /** Opens the map pinned at {@code path}; closing the returned map closes its fd. */
    public static BpfMap openPinned(String name, Path path) {
        return new BpfMap(name, Pins.open(path), true);
    }

    public String name() {
        return name;
    }

    public int fd() {
        return fd;
    }

    public void pin(Path path) {
        Pins.pin(fd, path, "map " + name);
    }

    /** Detaches the program pinned at {@code programPin} from this map; absent attachments are fine. */
    public void detachPinnedProgram(Path programPin, AttachType type) {
        int prog = Pins.open(programPin);
        try {
            BpfProgram.detach(prog, fd, type, "map " + name);
        } catch (BpfException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        } finally {
            Fds.close(prog);
        }
    }

    public void update(MemorySegment key, MemorySegment value, long flags) {
        int rc;
        try {
            rc = (int) Libbpf.MAP_UPDATE.invokeExact(fd, key, value, flags);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
        if (rc < 0) {
            throw new BpfException("updating map " + name, rc);
        }
    }

    /** Fills {@code value} and returns true when the key exists. */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        int rc;
        try {
            rc = (int) Libbpf.MAP_LOOKUP.invokeExact(fd, key, value);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
        if (rc == -Errno.ENOENT.code) {
            return false;
        }
        if (rc < 0) {
            throw new BpfException("looking up map " + name, rc);
        }
        return true;
    }

    /**
     * One BPF_MAP_LOOKUP_BATCH call from the map's first element: up to {@code count}'s value
     * (a u32 the kernel overwrites) keys and values in one syscall, where a lookup per key costs
     * one each. {@code outBatch} receives the kernel's resume token (key-sized). Per-CPU maps
     * return one 8-byte-aligned value per possible CPU per element. Returns how many elements
     * were read; reaching the end of the map (ENOENT) is not an error.
     */
    public int lookupBatch(MemorySegment outBatch, MemorySegment keys, MemorySegment values, MemorySegment count) {
        int rc;
        try {
            rc = (int) Libbpf.MAP_LOOKUP_BATCH.invokeExact(fd, MemorySegment.NULL, outBatch, keys, values, count,
                    MemorySegment.NULL);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
        if (rc < 0 && rc != -Errno.ENOENT.code) {
            throw new BpfException("batch lookup in map " + name, rc);
        }
        return count.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
    }

    /** Returns false when the key was absent. */
    public boolean delete(MemorySegment key) {
        int rc;
        try {
            rc = (int) Libbpf.MAP_DELETE.invokeExact(fd, key);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
        if (rc == -Errno.ENOENT.code) {
            return false;
        }
        if (rc < 0) {
            throw new BpfException("deleting from map " + name, rc);
        }
        return true;
    }

    public void update(byte[] key, byte[] value, long flags) {
        try (Arena call = Arena.ofConfined()) {
            update(copy(call, key), copy(call, value), flags);
        }
    }

    public Optional<byte[]> lookup(byte[] key, int valueSize) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment value = call.allocate(valueSize, 8);
            return lookup(copy(call, key), value) ? Optional.of(value.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    : Optional.empty();
        }
    }

    public boolean delete(byte[] key) {
        try (Arena call = Arena.ofConfined()) {
            return delete(copy(call, key));
        }
    }

    /** Every key currently in the map (a snapshot; concurrent changes may or may not show). */
    public List<byte[]> keys(int keySize) {
        List<byte[]> keys = new ArrayList<>();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment previous = MemorySegment.NULL;
            MemorySegment next = call.allocate(keySize, 8);
            while (true) {
                int rc = (int) Libbpf.MAP_NEXT_KEY.invokeExact(fd, previous, next);
                if (rc == -Errno.ENOENT.code) {
                    return keys;
                }
                if (rc < 0) {
                    throw new BpfException("iterating map " + name, rc);
                }
                keys.add(next.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                if (previous.equals(MemorySegment.NULL)) {
                    previous = call.allocate(keySize, 8);
                }
                MemorySegment.copy(next, 0, previous, 0, keySize);
            }
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /** Number of possible CPUs: per-CPU maps return one value slot (rounded to 8 bytes) per CPU. */
    public static int possibleCpus() {
        try {
            int n = (int) Libbpf.NUM_POSSIBLE_CPUS.invokeExact();
            if (n <= 0) {
                throw new BpfException("reading the number of possible CPUs", n);
            }
            return n;
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    private static MemorySegment copy(Arena arena, byte[] bytes) {
        MemorySegment segment = arena.allocate(bytes.length, 8);
        segment.copyFrom(MemorySegment.ofArray(bytes));
        return segment;
    }

    @Override
    public void close() {
        if (owned) {
            Fds.close(fd);
        }
    }
}
