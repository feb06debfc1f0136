package io.meshlane.lab.cli;

import io.meshlane.lab.spec.Durations;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What {@code bench} and {@code agent-bench} share: the lab they build and remove, where the JSON
 * goes, warm-up and measured time (a picocli mixin; each command passes its own defaults), and how
 * a run is driven: options that do not parse exit 2 with the reason before any lab is built,
 * progress lines are printed as they come, the lab's own errors exit 1 with their message.
 */
final class LabRun {
    @Option(names = "--lab", paramLabel = "NAME", description = "name of the lab the run builds and removes (default: ${DEFAULT-VALUE})")
    String lab;
    @Option(names = "--json", paramLabel = "FILE", description = "write the result as JSON here")
    Path json;
    @Option(names = "--warmup", paramLabel = "DURATION", description = "un-measured load before measuring (bench: per mode and payload; default: ${DEFAULT-VALUE})")
    String warmup;
    @Option(names = "--duration", paramLabel = "DURATION", description = "measured time (bench: per mode, payload and round; default: ${DEFAULT-VALUE})")
    String duration;

    /** Picocli needs a no-argument constructor for a mixin it creates itself; the commands create theirs. */
    LabRun() {
        this("lab", "5s", "5s");
    }

    LabRun(String lab, String warmup, String duration) {
        this.lab = lab;
        this.warmup = warmup;
        this.duration = duration;
    }

    Duration warmupDuration() {
        return Durations.parse(warmup);
    }

    Duration measuredDuration() {
        return Durations.parse(duration);
    }

    /** What a run does with its parsed options, given a sink for progress lines; returns the exit status. */
    interface Body<T> {
        int run(T options, Consumer<String> progress) throws Exception;
    }

    static <T> int execute(CommandSpec spec, Supplier<T> parse, Body<T> body) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        T options;
        try {
            options = parse.get();
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 2;
        }
        return CliErrors.guard(spec, () -> body.run(options, line -> {
            out.println(line);
            out.flush();
        }));
    }
}
