package io.meshlane.lab.node;

import io.meshlane.lab.capture.EbpfCapture;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks shared by the lab tests: nothing of a lab is left on the machine. */
public final class LabAssertions {
    private LabAssertions() {
    }

    public static void assertNothingLeft(String lab, List<Long> pids) {
        LabLayout layout = LabLayout.of(lab);
        assertEquals(List.of(), Netns.list(layout.netnsPrefix()), "network namespaces left behind");
        assertFalse(Files.exists(layout.cgroupRoot()), "cgroup " + layout.cgroupRoot() + " left behind");
        assertFalse(Files.exists(layout.runDir()), "run dir " + layout.runDir() + " left behind");
        assertFalse(EbpfCapture.installed(layout), "datapath pins/state left behind: " + EbpfCapture.config(layout).pinDir());
        String hostLinks = HostCommand.run("ip", "-o", "link", "show");
        assertFalse(hostLinks.contains("ml-v") || hostLinks.contains(LabLayout.BRIDGE),
                "lab veths/bridge in the host namespace:\n" + hostLinks);
        String hostRules = HostCommand.run("iptables-save");
        assertFalse(hostRules.contains("ISTIO"), "Istio chains in the host namespace:\n" + hostRules);
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "process " + pid + " still running");
        }
    }
}
