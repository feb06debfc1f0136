package io.meshlane.agent.pods;

import io.meshlane.agent.datapath.DatapathException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Pods from the node lab, which writes them to a {@link PodFile}. The file is checked every
 * poll interval; a bad file is logged and skipped, and the last good picture stays in force.
 */
public final class LabPodSource implements PodSource {

    private static final Logger LOG = Logger.getLogger(LabPodSource.class.getName());

    private final Path file;
    private final Duration poll;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("lab-pods").factory());
    private FileTime seen;

    public LabPodSource(Path file, Duration poll) {
        this.file = file;
        this.poll = poll;
    }

    @Override
    public void start(Consumer<NodePods> sink) {
        timer.scheduleWithFixedDelay(() -> poll().ifPresent(sink), 0, poll.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The file's pods if it changed since the last call and parses cleanly. */
    public java.util.Optional<NodePods> poll() {
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            if (seen != null) {
                LOG.warning("pod file " + file + " is unreadable (" + e.getMessage() + "); keeping the current pods");
            }
            return java.util.Optional.empty();
        }
        if (modified.equals(seen)) {
            return java.util.Optional.empty();
        }
        seen = modified;
        try {
            PodFile podFile = PodFile.read(file);
            return java.util.Optional.of(new NodePods(podFile.registrations(), podFile.namespaces()));
        } catch (DatapathException e) {
            LOG.warning(e.getMessage() + "; keeping the current pods");
            return java.util.Optional.empty();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
