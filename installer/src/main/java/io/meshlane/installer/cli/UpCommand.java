package io.meshlane.installer.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code meshlane up}: the main job on one machine. */
@Command(name = "up", description = "Run meshlane on this machine: agent, node lab with sample workloads, live comparison.")
public final class UpCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("wired to the node lab below");
    }
}
