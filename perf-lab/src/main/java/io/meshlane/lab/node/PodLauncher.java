package io.meshlane.lab.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a process inside a pod: it joins the pod's cgroup first (before it can open a
 * socket), then enters the pod's network namespace, then (for the sidecar) drops to uid/gid
 * 1337, then execs the command. The pid stays the same through every exec.
 */
public final class PodLauncher {
    public static final int SIDECAR_UID = 1337;
    /** $1 = the cgroup.procs file; the rest is the command. */
    private static final String JOIN_CGROUP = "echo $$ > \"$1\" || exit 97; shift; exec \"$@\"";

    private PodLauncher() {
    }

    public static List<String> argv(LabPod pod, List<String> command, boolean asSidecar) {
        List<String> inPod = new ArrayList<>(Netns.execPrefix(pod.netns()));
        if (asSidecar) {
            // CAP_NET_ADMIN for the transparent inbound listener (IP_TRANSPARENT), as Istio's TPROXY mode grants the proxy
            inPod.addAll(List.of("setpriv", "--reuid", String.valueOf(SIDECAR_UID), "--regid",
                    String.valueOf(SIDECAR_UID), "--clear-groups", "--inh-caps", "+net_admin", "--ambient-caps", "+net_admin", "--"));
        }
        inPod.addAll(command);
        return cgroupArgv(pod.cgroup(), inPod);
    }

    /** {@code command} run in {@code cgroup} (joined before the exec), in the caller's network namespace. */
    static List<String> cgroupArgv(Path cgroup, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("setsid", "sh", "-c", JOIN_CGROUP, "sh",
                cgroup.resolve("cgroup.procs").toString()));
        argv.addAll(command);
        return argv;
    }

    /** Starts a detached process whose output goes to {@code log}. */
    public static Process startDetached(LabPod pod, List<String> command, boolean asSidecar, Path log) {
        return start(detached(argv(pod, command, asSidecar), log), command + " in pod " + pod.key());
    }

    /**
     * Starts a detached process in {@code cgroup} but not in any pod's network namespace, output
     * to {@code log}; {@code what} names it in the error if it cannot be started.
     */
    public static Process startDetachedInCgroup(Path cgroup, List<String> command, Path log, String what) {
        return start(detached(cgroupArgv(cgroup, command), log), what);
    }

    /** Starts a process whose stdin/stdout stay connected to the caller; stderr goes to {@code log}. */
    public static Process startPiped(LabPod pod, List<String> command, boolean asSidecar, Path log) {
        ProcessBuilder pb = new ProcessBuilder(argv(pod, command, asSidecar))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return start(pb, command + " in pod " + pod.key());
    }

    private static ProcessBuilder detached(List<String> argv, Path log) {
        return new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    }

    private static Process start(ProcessBuilder pb, String what) {
        try {
            return pb.start();
        } catch (IOException e) {
            throw new LabException("cannot start " + what + ": " + e.getMessage(), e);
        }
    }

    /** Waits until the process prints a line starting with READY into {@code log}. */
    public static void awaitReady(Process process, Path log, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String text = read(log);
            if (text.lines().anyMatch(l -> l.startsWith("READY"))) {
                return;
            }
            if (!process.isAlive()) {
                throw new LabException(what + " exited with status " + process.exitValue()
                        + " before it was ready; its log " + log + " ends with:\n" + tail(text));
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LabException("interrupted while waiting for " + what);
            }
        }
        throw new LabException(what + " was not ready after " + timeout.toSeconds() + " s; its log " + log
                + " ends with:\n" + tail(read(log)));
    }

    public static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
