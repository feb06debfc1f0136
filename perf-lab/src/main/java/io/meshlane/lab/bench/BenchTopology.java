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
 * The bench's pods: for each arm a namespace {@code bench-<arm>} with a server pod (echo app)
 * and, per {@link BenchPath}, a client pod (the load agent is started by the bench), all in the
 * arm's mode. Every path is client → its sidecar → server's sidecar → server; the path decides
 * on which node the client sits.
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
        return clientKey(arm, BenchPath.SAME_NODE);
    }

    public static String clientKey(BenchArm arm, BenchPath path) {
        return arm.namespace() + "/" + path.clientName();
    }

    public static String serverKey(BenchArm arm) {
        return arm.namespace() + "/server";
    }

    public static LabSpec spec(String lab, List<PodMode> modes) {
        return specOf(lab, modes.stream().map(BenchArm::of).toList());
    }

    /** Same-node pods of every arm. */
    public static LabSpec specOf(String lab, List<BenchArm> arms) {
        return specOf(lab, arms, List.of(BenchPath.SAME_NODE));
    }

    /** The pods of every arm and path; sidecars export telemetry only in arms that ask for it (when the lab has telemetry). */
    public static LabSpec specOf(String lab, List<BenchArm> arms, List<BenchPath> paths) {
        AddressPlan plan = new AddressPlan();
        List<PodSpec> pods = new ArrayList<>();
        for (BenchArm arm : arms) {
            PodMode mode = arm.mode();
            boolean sidecar = mode != PodMode.DIRECT;
            pods.add(new PodSpec(arm.namespace(), "server", Map.of("app", "echo"), sidecar, mode, plan.allocate(),
                    new AppSpec.Echo(BenchOptions.ECHO_PORT), arm.telemetry()));
            for (BenchPath path : paths) {
                pods.add(path.place(arm, plan));
            }
        }
        return new LabSpec(lab, pods);
    }
}
