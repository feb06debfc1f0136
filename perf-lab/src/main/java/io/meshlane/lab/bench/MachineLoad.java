package io.meshlane.lab.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the machine was, from /proc: load averages, and the aggregate CPU line of /proc/stat
 * (steal = time a hypervisor ran someone else on our vCPUs; busy = everything but idle and iowait).
 */
record MachineLoad(double load1, double load5, double load15, long stealTicks, long busyTicks, long totalTicks) {

    static MachineLoad sample() {
        try {
            String[] avg = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            String cpu = Files.readAllLines(Path.of("/proc/stat")).stream().filter(l -> l.startsWith("cpu "))
                    .findFirst().orElseThrow(() -> new IOException("/proc/stat has no aggregate cpu line"));
            // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
            String[] f = cpu.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
            return new MachineLoad(Double.parseDouble(avg[0]), Double.parseDouble(avg[1]), Double.parseDouble(avg[2]),
                    steal, total - idle, total);
        } catch (IOException | RuntimeException e) {
            throw new io.meshlane.lab.node.LabException("cannot read /proc/loadavg and /proc/stat to report how quiet the"
                    + " machine was: " + e.getMessage(), e);
        }
    }

    /** From this sample to {@code later}: the share of CPU time stolen and busy, in percent. */
    Quietness until(MachineLoad later) {
        long total = Math.max(1, later.totalTicks - totalTicks);
        return new Quietness(new double[]{load1, load5, load15}, new double[]{later.load1, later.load5, later.load15},
                round2(100.0 * (later.stealTicks - stealTicks) / total), round2(100.0 * (later.busyTicks - busyTicks) / total),
                Runtime.getRuntime().availableProcessors());
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
