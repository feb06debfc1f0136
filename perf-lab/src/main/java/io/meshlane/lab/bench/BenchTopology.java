package io.meshlane.lab.bench;

import io.meshlane.lab.spec.AddressPlan;
import io.meshlane.lab.spec.AppSpec;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodMode;
import io.meshlane.lab.spec.PodSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bench's node: for each mode a namespace {@code bench-<mode>} with a server pod (echo app)
 * and a client pod (the load agent is started by the bench), both in that mode. All pods share
 * one node, so every path is client → its sidecar → server's sidecar → server, on the same node.
 */
public final class BenchTopology {
    private BenchTopology() {
    }

    public static String namespace(PodMode mode) {
        return "bench-" + mode.id();
    }

    public static String clientKey(PodMode mode) {
        return namespace(mode) + "/client";
    }

    public static String serverKey(PodMode mode) {
        return namespace(mode) + "/server";
    }

    public static LabSpec spec(String lab, List<PodMode> modes) {
        AddressPlan plan = new AddressPlan();
        List<PodSpec> pods = new ArrayList<>();
        for (PodMode mode : modes) {
            boolean sidecar = mode != PodMode.DIRECT;
            pods.add(new PodSpec(namespace(mode), "server", Map.of("app", "echo"), sidecar, mode, plan.allocate(),
                    new AppSpec.Echo(BenchOptions.ECHO_PORT)));
            pods.add(new PodSpec(namespace(mode), "client", Map.of("app", "load"), sidecar, mode, plan.allocate(),
                    new AppSpec.None()));
        }
        return new LabSpec(lab, pods);
    }
}
