package io.meshlane.agent.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One BPF object file, following libbpf's lifecycle: {@link #open} parses it,
 * {@link #load} verifies and loads every program and creates every map, programs are then
 * attached through {@link #program}, and {@link #close} frees what is not pinned.
 */
public final class BpfObject implements AutoCloseable {

    private final String name;
    private final Arena arena;
    private MemorySegment object;
    private boolean loaded;

    private BpfObject(String name, Arena arena, MemorySegment object) {
        this.name = name;
        this.arena = arena;
        this.object = object;
    }

    /** Opens an object from its ELF bytes (e.g. a jar resource); nothing reaches the kernel yet. */
    public static BpfObject open(String name, byte[] elf) {
        Objects.requireNonNull(elf, "elf");
        Arena arena = Arena.ofShared();
        try {
            MemorySegment buffer = arena.allocate(elf.length, 8);
            buffer.copyFrom(MemorySegment.ofArray(elf));
            MemorySegment state = arena.allocate(Libbpf.CALL_STATE);
            MemorySegment obj = (MemorySegment) Libbpf.OBJECT_OPEN_MEM.invokeExact(state, buffer, (long) elf.length,
                    MemorySegment.NULL);
            if (obj.equals(MemorySegment.NULL)) {
                throw new BpfException("opening BPF object " + name + " (" + elf.length + " bytes)", Libbpf.errno(state));
            }
            return new BpfObject(name, arena, obj);
        } catch (Throwable t) {
            arena.close();
            throw Libbpf.rethrow(t);
        }
    }

    /** Verifies and loads all programs and creates all maps. The verifier log goes to stderr. */
    public BpfObject load() {
        int rc = invokeInt(Libbpf.OBJECT_LOAD, object());
        if (rc < 0) {
            throw new BpfException("loading BPF object " + name + " into the kernel", rc);
        }
        loaded = true;
        return this;
    }

    /** Sets a map's capacity; only before {@link #load()}. */
    public BpfObject maxEntries(String mapName, int entries) {
        MemorySegment map = findMap(mapName);
        try {
            int rc = (int) Libbpf.MAP_SET_MAX_ENTRIES.invokeExact(map, entries);
            if (rc < 0) {
                throw new BpfException("setting max_entries of " + mapName + " to " + entries, rc);
            }
            return this;
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    public BpfProgram program(String programName) {
        requireLoaded();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment prog = (MemorySegment) Libbpf.FIND_PROGRAM.invokeExact(object(), call.allocateFrom(programName));
            if (prog.equals(MemorySegment.NULL)) {
                throw new BpfException("BPF object " + name + " has no program named " + programName);
            }
            return new BpfProgram(programName, prog);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /** The map's file descriptor, owned by this object until it is pinned and re-opened. */
    public BpfMap map(String mapName) {
        requireLoaded();
        try {
            int fd = (int) Libbpf.MAP_FD.invokeExact(findMap(mapName));
            if (fd < 0) {
                throw new BpfException("map " + mapName + " has no file descriptor", fd);
            }
            return BpfMap.borrowed(mapName, fd);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    private MemorySegment findMap(String mapName) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment map = (MemorySegment) Libbpf.FIND_MAP.invokeExact(object(), call.allocateFrom(mapName));
            if (map.equals(MemorySegment.NULL)) {
                throw new BpfException("BPF object " + name + " has no map named " + mapName);
            }
            return map;
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    private MemorySegment object() {
        if (object == null) {
            throw new IllegalStateException("BPF object " + name + " is closed");
        }
        return object;
    }

    private void requireLoaded() {
        if (!loaded) {
            throw new IllegalStateException("BPF object " + name + " is not loaded yet");
        }
    }

    private static int invokeInt(java.lang.invoke.MethodHandle handle, MemorySegment arg) {
        try {
            return (int) handle.invokeExact(arg);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        }
    }

    /** Frees programs and maps that nothing else holds: pinned objects and links stay. */
    @Override
    public void close() {
        if (object == null) {
            return;
        }
        try {
            Libbpf.OBJECT_CLOSE.invokeExact(object);
        } catch (Throwable t) {
            throw Libbpf.rethrow(t);
        } finally {
            object = null;
            arena.close();
        }
    }
}
