package io.meshlane.installer.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code meshlane test}: every test of every module, eBPF tests on the real kernel included. */
@Command(name = "test", description = "Run every test of every module (needs root: the eBPF tests load programs).")
public final class TestCommand implements Callable<Integer> {

    @Option(names = "--module", description = "Only this module (and what it needs), e.g. node-agent.")
    String module;

    @Override
    public Integer call() throws Exception {
        List<String> goals = new ArrayList<>();
        if (module != null) {
            goals.addAll(List.of("-pl", module, "-am", "-Dsurefire.failIfNoSpecifiedTests=false"));
        }
        goals.add("install");
        return MavenRun.run(goals);
    }
}
