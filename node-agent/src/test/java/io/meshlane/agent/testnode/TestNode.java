package io.meshlane.agent.testnode;

import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.datapath.DatapathConfig;
import io.meshlane.agent.datapath.HostMounts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A throwaway node for datapath tests: its own cgroup-v2 subtree (never the machine's root
 * cgroup), one network namespace whose loopback device holds the pod addresses (they exist
 * nowhere else), and a unique pin directory. {@link #close} removes all of it, processes
 * first, even after a failed test.
 */
public final class TestNode implements AutoCloseable {

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final Path cgroupRoot;
    private final String netns = "mlt-" + id;
    private final Path stateDir;
    private final List<PodProcess> processes = new ArrayList<>();

    public TestNode() {
        Path cgroup2 = HostMounts.read().cgroup2().orElseThrow(() -> new AssertionError(
                "no cgroup v2 mount on this machine: the datapath tests need one (see meshlane preflight)"));
        this.cgroupRoot = cgroup2.resolve("meshlane-test-" + id);
        try {
            Files.createDirectory(cgroupRoot);
            this.stateDir = Files.createTempDirectory("meshlane-state-");
        } catch (IOException e) {
            throw new AssertionError("cannot create the test cgroup " + cgroupRoot + " (run the tests as root): " + e, e);
        }
        try {
            run("ip", "netns", "add", netns);
            run("ip", "-n", netns, "link", "set", "lo", "up");
        } catch (AssertionError e) {
            close();
            throw e;
        }
    }

    public String nodeName() {
        return "test-" + id;
    }

    public String netns() {
        return netns;
    }

    public Path cgroupRoot() {
        return cgroupRoot;
    }

    public DatapathConfig config() {
        return DatapathConfig.forCgroupRoot(nodeName(), cgroupRoot).withStateDir(stateDir);
    }

    /** A pod: its cgroup directory and, when given, its address inside the node's network namespace. */
    public Path pod(String name, String ip) {
        return podAt(name, ip);
    }

    /** A pod cgroup at a path below the node's root, e.g. kubelet's "kubepods/burstable/pod&lt;uid&gt;". */
    public Path podAt(String relative, String ip) {
        Path dir = cgroupRoot.resolve(relative);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new AssertionError("creating pod cgroup " + dir + ": " + e, e);
        }
        if (ip != null) {
            run("ip", "-n", netns, "addr", "add", ip + (ip.contains(":") ? "/128" : "/32"), "dev", "lo");
        }
        return dir;
    }

    public PodProcess start(String label, Path podCgroup, int uid, Class<?> main, String... args) {
        PodProcess p = PodProcess.start(label, podCgroup, netns, uid, main, args);
        processes.add(p);
        return p;
    }

    public static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", command) + " could not run: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        processes.forEach(PodProcess::kill);
        try {
            Datapath.uninstall(config());
        } catch (RuntimeException e) {
            System.err.println("test node " + id + ": uninstall failed: " + e);
        }
        try {
            new ProcessBuilder("ip", "netns", "del", netns).start().waitFor();
        } catch (IOException | InterruptedException e) {
            System.err.println("test node " + id + ": removing netns failed: " + e);
        }
        removeCgroups();
        deleteTree(stateDir);
    }

    private void removeCgroups() {
        if (!Files.exists(cgroupRoot)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(cgroupRoot)) {
            List<Path> dirs = walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
            for (Path dir : dirs) {
                for (int attempt = 0; attempt < 50; attempt++) {
                    try {
                        Files.delete(dir); // rmdir: cgroupfs refuses only while processes remain
                        break;
                    } catch (IOException busy) {
                        Thread.sleep(20);
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("test node " + id + ": removing cgroups failed: " + e);
        }
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("removing " + root + " failed: " + e);
        }
    }
}
