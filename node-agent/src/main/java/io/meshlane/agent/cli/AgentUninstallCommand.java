package io.meshlane.agent.cli;

import io.meshlane.agent.datapath.Datapath;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code meshlane agent uninstall}: remove every program, link, map, pin and state file. */
@Command(name = "uninstall", description = "Detach and remove everything meshlane installed for the node.",
        mixinStandardHelpOptions = true)
public final class AgentUninstallCommand implements Callable<Integer> {

    @Mixin
    NodeOptions node;

    @Override
    public Integer call() {
        Datapath.uninstall(node.config());
        System.out.println("meshlane datapath for node " + node.config().nodeName() + " removed");
        return 0;
    }
}
