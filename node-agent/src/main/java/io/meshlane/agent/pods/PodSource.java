package io.meshlane.agent.pods;

import java.util.function.Consumer;

/**
 * Where the agent learns its node's pods: the Kubernetes API ({@link KubernetesPodSource})
 * or the node lab ({@link LabPodSource}). A source hands over the whole picture after every
 * change; the agent works out the difference.
 */
public interface PodSource extends AutoCloseable {

    /** Starts watching; {@code sink} gets the first picture as soon as it is known, then every change. */
    void start(Consumer<NodePods> sink);

    @Override
    void close();
}
