package io.meshlane.lab.bench;

import io.meshlane.lab.spec.PodMode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@code meshlane bench} runs.
 *
 * @param modes       modes compared, run interleaved in this order in every round
 * @param rate        open-loop requests per second
 * @param duration    length of one measured open-loop run (per mode, payload and round)
 * @param payloads    request/response sizes in bytes
 * @param connections persistent connections per run
 * @param rounds      interleaved rounds
 * @param warmup      un-measured open-loop run per mode and payload before the rounds
 * @param maxDuration closed-loop (maximum throughput) run per mode and payload
 * @param maxInflight closed loop: requests kept outstanding per connection
 * @param json        where to write the JSON result, or null
 * @param report      where to write report.md and latency.png, or null
 * @param lab         the lab name the bench builds its pods in (torn down afterwards)
 * @param telemetryCompare also run ebpf with the relays' telemetry on (arm "ebpf-otel"), right after
 *                    plain ebpf in every round, and report the p99 ratio
 * @param paths       where clients sit relative to the server ({@link BenchPath}), each measured in every round
 * @param saturation  after the rounds, step the offered rate per mode and path until p99 breaks; null = off
 */
public record BenchOptions(List<PodMode> modes, int rate, Duration duration, List<Integer> payloads, int connections,
                           int rounds, Duration warmup, Duration maxDuration, int maxInflight, Path json, Path report,
                           String lab, boolean telemetryCompare, List<BenchPath> paths, Saturation saturation) {
    public static final int ECHO_PORT = 8080;

    public BenchOptions {
        modes = List.copyOf(modes);
        payloads = List.copyOf(payloads);
        paths = List.copyOf(paths);
        if (paths.isEmpty() || paths.stream().distinct().count() != paths.size()) {
            throw new IllegalArgumentException("--paths needs distinct values from " + BenchPath.choices() + ": " + paths);
        }
        if (modes.isEmpty() || payloads.isEmpty()) {
            throw new IllegalArgumentException("--modes and --payloads need at least one value");
        }
        if (rate <= 0 || connections <= 0 || rounds <= 0 || maxInflight <= 0 || payloads.stream().anyMatch(p -> p <= 0)) {
            throw new IllegalArgumentException("--rate, --connections, --rounds, --max-inflight and --payloads must be positive");
        }
        if (modes.stream().distinct().count() != modes.size()) {
            throw new IllegalArgumentException("--modes lists a mode twice: " + modes);
        }
        if (telemetryCompare && !modes.contains(PodMode.EBPF)) {
            throw new IllegalArgumentException("--telemetry-compare compares ebpf with and without relay telemetry;"
                    + " add ebpf to --modes");
        }
    }

    public BenchOptions(List<PodMode> modes, int rate, Duration duration, List<Integer> payloads, int connections,
                        int rounds, Duration warmup, Duration maxDuration, int maxInflight, Path json, Path report,
                        String lab) {
        this(modes, rate, duration, payloads, connections, rounds, warmup, maxDuration, maxInflight, json, report, lab, false,
                List.of(BenchPath.SAME_NODE), null);
    }

    public static BenchOptions defaults() {
        return new BenchOptions(List.of(PodMode.DIRECT, PodMode.IPTABLES, PodMode.EBPF), 2000, Duration.ofSeconds(5),
                List.of(64, 1024), 4, 6, Duration.ofSeconds(5), Duration.ofSeconds(5), 8, null, null, "bench");
    }
}
