package io.meshlane.lab.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** cgroup-v2 directories of the lab: create, read CPU usage, kill everything inside, remove. */
public final class Cgroups {
    private Cgroups() {
    }

    public static void create(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LabException("cannot create cgroup " + dir + ": " + e.getMessage()
                    + " (the lab needs root and a writable cgroup2 mount)", e);
        }
    }

    /** CPU time used by every process that ever ran in the cgroup (and its children), in µs. */
    public static long usageMicros(Path dir) {
        try {
            for (String line : Files.readAllLines(dir.resolve("cpu.stat"))) {
                if (line.startsWith("usage_usec ")) {
                    return Long.parseLong(line.substring("usage_usec ".length()).trim());
                }
            }
        } catch (IOException e) {
            throw new LabException("cannot read " + dir.resolve("cpu.stat") + ": " + e.getMessage(), e);
        }
        throw new LabException(dir.resolve("cpu.stat") + " has no usage_usec line");
    }

    public static List<Long> procs(Path dir) {
        List<Long> pids = new ArrayList<>();
        for (Path d : tree(dir)) {
            try {
                for (String line : Files.readAllLines(d.resolve("cgroup.procs"))) {
                    if (!line.isBlank()) {
                        pids.add(Long.parseLong(line.trim()));
                    }
                }
            } catch (IOException ignored) {
                // the directory vanished meanwhile
            }
        }
        return pids;
    }

    /** Kills every process in the subtree (cgroup.kill, else SIGKILL per pid) and waits until it is empty. */
    public static void killAll(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Path kill = dir.resolve("cgroup.kill");
        try {
            if (Files.exists(kill)) {
                Files.writeString(kill, "1");
            }
        } catch (IOException e) {
            // fall back to per-process kills below
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            List<Long> left = procs(dir);
            if (left.isEmpty()) {
                return;
            }
            left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            if (System.nanoTime() > deadline) {
                throw new LabException("processes " + left + " in " + dir + " survived SIGKILL for 10 s");
            }
            sleep(20);
        }
    }

    /** Removes the subtree bottom-up; call {@link #killAll} first. */
    public static void removeTree(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> dirs = tree(dir);
        dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path d : dirs) {
            IOException last = null;
            for (int attempt = 0; attempt < 100 && Files.isDirectory(d); attempt++) {
                try {
                    Files.delete(d);
                } catch (IOException e) {
                    last = e;
                    sleep(20);
                }
            }
            if (Files.isDirectory(d)) {
                throw new LabException("cannot remove cgroup " + d + ": " + (last == null ? "busy" : last.getMessage()));
            }
        }
    }

    private static List<Path> tree(Path dir) {
        if (!Files.isDirectory(dir)) {
            return new ArrayList<>();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return new ArrayList<>(s.filter(Files::isDirectory).toList());
        } catch (IOException | java.io.UncheckedIOException e) {
            return new ArrayList<>(List.of(dir));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
