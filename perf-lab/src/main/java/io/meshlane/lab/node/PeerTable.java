package io.meshlane.lab.node;

import io.meshlane.lab.spec.AddressPlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes the lab's pod table for the sidecars (which run as uid 1337, so the file is world
 * readable): one line per pod, {@code ip namespace workload service}, tab-separated.
 */
final class PeerTable {
    private PeerTable() {
    }

    /** How the telemetry gateway on the bridge shows up as a peer (pods' OTLP connections go there). */
    static final String GATEWAY = "telemetry-gateway";
    static final String GATEWAY_NAMESPACE = "meshlane-lab";

    static void write(Path file, List<LabPod> pods) {
        String text = pods.stream().map(p -> String.join("\t", p.ip(), p.spec().namespace(), p.spec().workload(),
                p.spec().service())).collect(Collectors.joining("\n", "", "\n"))
                + String.join("\t", AddressPlan.BRIDGE.getHostAddress(), GATEWAY_NAMESPACE, GATEWAY, GATEWAY) + "\n";
        try {
            Files.writeString(file, text);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new LabException("cannot write the sidecars' peer table " + file + ": " + e.getMessage(), e);
        }
    }
}
