package io.meshlane.agent.cli;

import io.meshlane.agent.datapath.Datapath;
import io.meshlane.agent.pods.PodFileSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code meshlane agent run}: install or adopt the datapath and follow the node's pods. */
@Command(name = "run", description = "Run the agent in the foreground until interrupted.", mixinStandardHelpOptions = true)
public final class AgentRunCommand implements Callable<Integer> {

    @Mixin
    NodeOptions node;

    @Option(names = "--pods", description = "Pod file to follow (the node lab writes one).")
    Path podFile;

    @Option(names = "--poll-ms", defaultValue = "200", description = "How often the pod file is checked (ms).")
    long pollMillis;

    @Override
    public Integer call() throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        try (Datapath datapath = Datapath.open(node.config())) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            PodFileSource pods = podFile == null ? null : new PodFileSource(podFile, datapath);
            if (pods != null) {
                pods.poll();
            }
            System.out.println("READY mode=" + datapath.mode() + " programs=" + datapath.programIds()
                    + (datapath.mode() == Datapath.Mode.PASS_THROUGH ? " reason=" + datapath.passThroughReason() : ""));
            System.out.flush();
            while (!stop.await(pollMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (pods != null) {
                    pods.poll();
                }
            }
        }
        return 0;
    }
}
