package io.meshlane.lab.bench;

import io.meshlane.lab.spec.PodSpec;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where the bench's client sits relative to the server, which always lives on the lab's first
 * node: {@code same-node} (client pod next to it) or {@code cross-node} (client pod on a second
 * node, so requests cross the inter-node wire). Each path gets its own client pod and load agent
 * per arm; everything else (rounds, saturation, reports) is the same for every path.
 */
public enum BenchPath {
    SAME_NODE("same-node", "client"),
    CROSS_NODE("cross-node", "client-remote");

    private final String id;
    private final String clientName;

    BenchPath(String id, String clientName) {
        this.id = id;
        this.clientName = clientName;
    }

    public String id() {
        return id;
    }

    /** The client pod's name in the arm's namespace. */
    public String clientName() {
        return clientName;
    }

    /**
     * Places the path's client pod. The lab has one node today: a second node (and the tc
     * inbound path it exercises) is issue 18 item 1; until it exists cross-node is refused here
     * with the reason, before any pod is built.
     */
    PodSpec place(PodSpec client) {
        if (this == CROSS_NODE) {
            throw new IllegalArgumentException("--paths cross-node needs the lab's second node (issue 18 item 1),"
                    + " which this build does not have yet; use --paths same-node");
        }
        return client;
    }

    public static Optional<BenchPath> parse(String text) {
        return Arrays.stream(values()).filter(p -> p.id.equals(text.trim().toLowerCase(Locale.ROOT))).findFirst();
    }

    public static String choices() {
        return Arrays.stream(values()).map(BenchPath::id).collect(Collectors.joining(", "));
    }
}
