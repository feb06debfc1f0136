package io.meshlane.lab.bench;

import io.meshlane.lab.node.LabLayout;
import io.meshlane.lab.spec.AddressPlan;
import io.meshlane.lab.spec.AppSpec;
import io.meshlane.lab.spec.PodMode;
import io.meshlane.lab.spec.PodSpec;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
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
     * The path's client pod in {@code arm}'s mode: next to the server on node 1, or on node 2
     * (its {@link LabLayout#NODE_LABEL} label and an address in node 2's pod range), so its
     * requests are routed packets over the wire between the node namespaces.
     */
    PodSpec place(BenchArm arm, AddressPlan plan) {
        boolean remote = this == CROSS_NODE;
        Map<String, String> labels = remote ? Map.of("app", "load", LabLayout.NODE_LABEL, "2") : Map.of("app", "load");
        return new PodSpec(arm.namespace(), clientName, labels, arm.mode() != PodMode.DIRECT, arm.mode(),
                remote ? plan.allocateOnNode2() : plan.allocate(), new AppSpec.None(), arm.telemetry());
    }

    public static Optional<BenchPath> parse(String text) {
        return Arrays.stream(values()).filter(p -> p.id.equals(text.trim().toLowerCase(Locale.ROOT))).findFirst();
    }

    public static String choices() {
        return Arrays.stream(values()).map(BenchPath::id).collect(Collectors.joining(", "));
    }
}
