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

    public static String clientKey(PodMode mode) {
        return clientKey(BenchArm.of(mode));
    }

    public static String serverKey(PodMode mode) {
        return serverKey(BenchArm.of(mode));
    }

    public static String clientKey(BenchArm arm) {
        return arm.namespace() + "/client";
    }

    public static String serverKey(BenchArm arm) {
        return arm.namespace() + "/server";
    }

    public static LabSpec spec(String lab, List<PodMode> modes) {
        return specOf(lab, modes.stream().map(BenchArm::of).toList());
    }

    /** The pods of every arm; sidecars export telemetry only in arms that ask for it (when the lab has telemetry). */
    public static LabSpec specOf(String lab, List<BenchArm> arms) {
        AddressPlan plan = new AddressPlan();
        List<PodSpec> pods = new ArrayList<>();
        for (BenchArm arm : arms) {
            PodMode mode = arm.mode();
            boolean sidecar = mode != PodMode.DIRECT;
            pods.add(new PodSpec(arm.namespace(), "server", Map.of("app", "echo"), sidecar, mode, plan.allocate(),
                    new AppSpec.Echo(BenchOptions.ECHO_PORT), arm.telemetry()));
            pods.add(new PodSpec(arm.namespace(), "client", Map.of("app", "load"), sidecar, mode, plan.allocate(),
                    new AppSpec.None(), arm.telemetry()));
        }
        return new LabSpec(lab, pods);
    }
}
