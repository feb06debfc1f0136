package io.meshlane.agent.testnode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A Java program started inside a pod: in the pod's cgroup before its first instruction,
 * in the node's network namespace, as the given uid. Output lines are collected for asserts.
 */
public final class PodProcess implements AutoCloseable {

    private final String label;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private PodProcess(String label, Process process) {
        this.label = label;
        this.process = process;
        Thread.ofPlatform().daemon().start(this::collect);
    }

    public static PodProcess start(String label, Path cgroup, String netns, int uid, Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"",
                cgroup.toString(), "ip", "netns", "exec", netns));
        if (uid != 0) {
            // the uid is what the datapath looks at; DAC_READ_SEARCH lets it read a classpath under /root
            command.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                    "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"));
        }
        command.addAll(javaCommand(main));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            return new PodProcess(label, p);
        } catch (IOException e) {
            throw new IllegalStateException("starting " + label + ": " + e.getMessage(), e);
        }
    }

    /** The JDK running this test, with this test's classpath. */
    public static List<String> javaCommand(Class<?> main) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                main.getName());
    }

    private void collect() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException ignored) {
            // process ended
        }
    }

    /** Waits for an output line matching {@code wanted}; fails with everything printed so far. */
    public String awaitLine(Predicate<String> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : lines) {
                if (wanted.test(line)) {
                    return line;
                }
            }
            if (!process.isAlive() && lines.stream().noneMatch(wanted)) {
                sleep(50);
                if (lines.stream().noneMatch(wanted)) {
                    throw new AssertionError(label + " exited (" + process.exitValue() + ") without the expected line; output: " + lines);
                }
            }
            sleep(20);
        }
        throw new AssertionError(label + " did not print the expected line within " + timeout + "; output: " + lines);
    }

    public String awaitPrefix(String prefix, Duration timeout) {
        return awaitLine(l -> l.startsWith(prefix), timeout);
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crash would. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
    }

    @Override
    public String toString() {
        return label + "(pid " + process.pid() + ")";
    }
}
