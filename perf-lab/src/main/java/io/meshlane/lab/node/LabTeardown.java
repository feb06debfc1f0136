package io.meshlane.lab.node;

import io.meshlane.lab.capture.EbpfCapture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Tears a lab down by name prefix, in dependency order: processes (cgroup.kill on the lab's
 * cgroup subtree, then anything left in its namespaces), the datapath (programs, links, maps,
 * pins, state), network namespaces (taking veths, the bridge and iptables rules with them),
 * cgroups, the run directory. Every step runs even if an earlier one failed.
 */
final class LabTeardown {
    private LabTeardown() {
    }

    /**
     * Removes everything lab {@code lab} made: processes (via its cgroups and namespaces), eBPF
     * programs and pins, network namespaces (with their veths, bridge and iptables rules),
     * cgroups and the run directory. Idempotent; works without the state file.
     *
     * @return what was removed, one line per object
     */
    static List<String> down(String lab) {
        LabLayout layout = LabLayout.of(lab);
        List<String> removed = new ArrayList<>();
        List<RuntimeException> failures = new ArrayList<>();
        attempt(failures, () -> {
            if (!Cgroups.procs(layout.cgroupRoot()).isEmpty()) {
                removed.add("processes in " + layout.cgroupRoot());
            }
            Cgroups.killAll(layout.cgroupRoot());
        });
        attempt(failures, () -> {
            for (String ns : Netns.list(layout.netnsPrefix())) {
                Netns.pids(ns).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            }
        });
        attempt(failures, () -> {
            if (EbpfCapture.installed(layout)) {
                EbpfCapture.uninstall(layout);
                removed.add("datapath " + EbpfCapture.config(layout).pinDir());
            }
        });
        for (String ns : Netns.list(layout.netnsPrefix())) {
            attempt(failures, () -> {
                Netns.delete(ns);
                removed.add("netns " + ns);
            });
        }
        attempt(failures, () -> {
            if (Files.exists(layout.cgroupRoot())) {
                Cgroups.removeTree(layout.cgroupRoot());
                removed.add("cgroup " + layout.cgroupRoot());
            }
            removeIfEmpty(layout.cgroupBase());
        });
        attempt(failures, () -> {
            if (Files.exists(layout.runDir())) {
                deleteTree(layout.runDir());
                removed.add("run dir " + layout.runDir());
            }
            removeIfEmpty(LabLayout.RUN_BASE);
        });
        if (!failures.isEmpty()) {
            LabException e = new LabException("lab down '" + lab + "' could not remove everything: "
                    + failures.getFirst().getMessage() + "; run it again, or remove the object by hand");
            failures.forEach(e::addSuppressed);
            throw e;
        }
        return removed;
    }

    /** Every lab that has something left on this machine (state, namespaces or cgroups). */
    static List<String> labs() {
        TreeSet<String> names = new TreeSet<>();
        for (String ns : Netns.list("ml-")) {
            String rest = ns.substring(3);
            int dash = rest.indexOf('-');
            if (dash > 0) {
                names.add(rest.substring(0, dash));
            }
        }
        LabLayout any = LabLayout.of("x");
        names.addAll(children(any.cgroupBase()));
        names.addAll(children(LabLayout.RUN_BASE));
        return List.copyOf(names);
    }

    private static List<String> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("[a-z0-9]{1,12}")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    private static void removeIfEmpty(Path dir) {
        try {
            if (Files.isDirectory(dir) && children(dir).isEmpty()) {
                Files.deleteIfExists(dir);
            }
        } catch (IOException ignored) {
            // another lab appeared meanwhile
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new LabException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
