package io.meshlane.installer.cli;

import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code meshlane build}: compile the BPF programs and every module, without running tests. */
@Command(name = "build", description = "Build every module (BPF objects included) without running tests.")
public final class BuildCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        return MavenRun.run(List.of("install", "-DskipTests"));
    }
}
