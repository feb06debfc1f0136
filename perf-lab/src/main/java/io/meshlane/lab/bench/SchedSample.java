package io.meshlane.lab.bench;

import io.meshlane.lab.node.Cgroups;
import io.meshlane.lab.node.LabPod;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the scheduler did to a lane's processes (load client, sidecars, echo server), summed over
 * every thread of every process in the pods' cgroups: time spent runnable but waiting for a CPU
 * ({@code /proc/<pid>/task/<tid>/schedstat}, field 2) and context switches (voluntary = the
 * thread slept, i.e. one wake-up later; involuntary = it was preempted). Growth over a run,
 * divided by its requests, shows where a mode's tail comes from: waiting for a CPU, or waking more.
 */
record SchedSample(long runDelayNanos, long voluntary, long involuntary) {

    static SchedSample of(List<LabPod> pods) {
        long delay = 0;
        long vol = 0;
        long invol = 0;
        for (LabPod pod : pods) {
            for (long pid : Cgroups.procs(pod.cgroup())) {
                try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
                    for (Path task : tasks) {
                        try {
                            delay += Long.parseLong(Files.readString(task.resolve("schedstat")).trim().split("\\s+")[1]);
                            for (String line : Files.readAllLines(task.resolve("status"))) {
                                if (line.startsWith("voluntary_ctxt_switches:")) {
                                    vol += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                                } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                                    invol += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                                }
                            }
                        } catch (IOException | RuntimeException gone) {
                            // the thread ended between listing and reading: it no longer counts
                        }
                    }
                } catch (IOException gone) {
                    // the process ended
                }
            }
        }
        return new SchedSample(delay, vol, invol);
    }

    SchedSample minus(SchedSample earlier) {
        return new SchedSample(runDelayNanos - earlier.runDelayNanos, voluntary - earlier.voluntary,
                involuntary - earlier.involuntary);
    }

    SchedSample plus(SchedSample other) {
        return new SchedSample(runDelayNanos + other.runDelayNanos, voluntary + other.voluntary,
                involuntary + other.involuntary);
    }
}
