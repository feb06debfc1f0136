package io.meshlane.lab.http;

import io.meshlane.lab.node.JavaCommand;
import io.meshlane.lab.node.LabException;
import io.meshlane.lab.node.LabPod;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.node.PodLauncher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs an instrumented open-loop HTTP load from inside a lab pod (its netns, cgroup and sidecar
 * path) and returns the client-side latency summary. The load process exports its CLIENT spans
 * (service.name = the pod's service, e.g. loadgen) like every other lab workload.
 */
public final class HttpLoads {
    private static final AtomicInteger RUNS = new AtomicInteger();

    private HttpLoads() {
    }

    /**
     * GETs {@code path} of {@code target} (a service of the pod's namespace, "service.namespace" or
     * a pod key) on {@code port} at {@code rate}/s for {@code duration}, from pod {@code fromPod}.
     *
     * @throws LabException when the load process fails or does not finish in time
     */
    public static LatencySummary run(NodeLab lab, String fromPod, String target, int port, String path, int rate,
                                     Duration duration) {
        LabPod pod = lab.pod(fromPod);
        String role = "http-load-" + RUNS.incrementAndGet();
        Path summary = lab.podFile(pod, role + ".json");
        List<String> cmd = JavaCommand.of(JavaCommand.currentClasspath(), NodeLab.HTTP_LOAD_MAIN,
                lab.httpLoadArgs(pod, target, port, path, rate, duration, summary));
        Process process = lab.startCommand(pod, role, cmd);
        Path log = lab.podFile(pod, role + ".log");
        long timeoutSeconds = duration.toSeconds() + 60;
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new LabException("http load from " + fromPod + " to " + target + " did not finish within "
                        + timeoutSeconds + " s; its log " + log + " ends with:\n" + tail(log));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while waiting for the http load in " + fromPod);
        }
        if (process.exitValue() != 0 || !Files.exists(summary)) {
            throw new LabException("http load from " + fromPod + " to " + target + " exited with status "
                    + process.exitValue() + "; its log " + log + " ends with:\n" + tail(log));
        }
        return LatencySummary.read(summary);
    }

    private static String tail(Path log) {
        try {
            return PodLauncher.tail(Files.exists(log) ? Files.readString(log) : "");
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }
}
