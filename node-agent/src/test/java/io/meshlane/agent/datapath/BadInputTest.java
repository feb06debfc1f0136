package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.BpfMap;
import io.meshlane.agent.pods.LabPodSource;
import io.meshlane.agent.testnode.TestNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad registrations get a clear error and leave the maps and the agent's state exactly as they were. */
class BadInputTest {

    @Test
    void invalidRegistrationsAreRejectedAndChangeNothing() throws Exception {
        try (TestNode node = new TestNode(); Datapath datapath = Datapath.open(node.config())) {
            MeshTraffic mesh = new MeshTraffic(node);
            mesh.register(datapath);
            Map<String, String> mapsBefore = dumpMaps(node);
            Map<String, PodRegistration> podsBefore = datapath.registeredPods();

            PodRegistration ghost = PodRegistration.withIstioSidecar("shop", "ghost", node.cgroupRoot().resolve("no-such-pod"),
                    List.of(MeshTraffic.ip("10.244.0.9")));
            assertRejected(datapath, ghost, "does not exist");

            Path real = node.pod("pod-c", null);
            PodRegistration badPort = new PodRegistration("shop", "pod-c", real, List.of(MeshTraffic.ip("10.244.0.4")),
                    true, 1337, 70000, 15006, Set.of(), List.of());
            assertRejected(datapath, badPort, "70000 is not a TCP port");
            PodRegistration badExcluded = new PodRegistration("shop", "pod-c", real, List.of(MeshTraffic.ip("10.244.0.4")),
                    true, 1337, 15001, 15006, Set.of(65536), List.of());
            assertRejected(datapath, badExcluded, "65536 is not a TCP port");

            DatapathException cidr = assertThrows(DatapathException.class, () -> new PodRecord("shop", "pod-c",
                    real.toString(), List.of("10.244.0.4"), true, 1337, 15001, 15006, List.of(),
                    List.of("10.0.0.0/33")).toRegistration());
            assertTrue(cidr.getMessage().contains("malformed CIDR \"10.0.0.0/33\""), cidr.getMessage());
            DatapathException notCidr = assertThrows(DatapathException.class, () -> new PodRecord("shop", "pod-c",
                    real.toString(), List.of("10.244.0.4"), true, 1337, 15001, 15006, List.of(),
                    List.of("ten.zero/8")).toRegistration());
            assertTrue(notCidr.getMessage().contains("ten.zero/8"), notCidr.getMessage());

            PodRegistration stealsAddress = PodRegistration.withIstioSidecar("shop", "pod-c", real,
                    List.of(MeshTraffic.ip(MeshTraffic.POD_A_IP)));
            assertRejected(datapath, stealsAddress, "already belongs to pod shop/pod-a");

            PodRegistration outside = PodRegistration.withIstioSidecar("shop", "pod-c", Path.of("/sys/fs/cgroup/unified"),
                    List.of(MeshTraffic.ip("10.244.0.4")));
            assertRejected(datapath, outside, "not below the attached cgroup root");

            // a broken pod file is logged and skipped by the lab pod source
            Path file = Files.createTempFile("meshlane-pods-", ".json");
            try {
                Files.writeString(file, "{\"pods\": [ {\"namespace\": \"shop\", ");
                LabPodSource source = new LabPodSource(file, java.time.Duration.ofMillis(100));
                assertTrue(source.poll().isEmpty(), "a malformed pod file yields no new picture");
            } finally {
                Files.deleteIfExists(file);
            }

            // inbound capture: an unknown pod, a namespace that is gone, an interface that does not exist
            DatapathException unknown = assertThrows(DatapathException.class,
                    () -> datapath.captureInbound("shop", "ghost", Path.of("/run/netns/none"), "eth0"));
            assertTrue(unknown.getMessage().contains("shop/ghost is not registered"), unknown.getMessage());
            DatapathException noNetns = assertThrows(DatapathException.class,
                    () -> datapath.captureInbound(MeshTraffic.NAMESPACE, "pod-a", Path.of("/run/netns/meshlane-no-such-pod"), "eth0"));
            assertTrue(noNetns.getMessage().contains("meshlane-no-such-pod") && noNetns.getMessage().contains("still running"),
                    noNetns.getMessage());
            DatapathException noInterface = assertThrows(DatapathException.class,
                    () -> datapath.captureInbound(MeshTraffic.NAMESPACE, "pod-a", Path.of("/proc/self/ns/net"), "ml-no-such-if"));
            assertTrue(noInterface.getMessage().contains("has no interface ml-no-such-if"), noInterface.getMessage());
            assertTrue(!Files.exists(node.config().pinDir().resolve("links/tc")) || isEmpty(node.config().pinDir().resolve("links/tc")),
                    "no tc link left by the failed captures");
            assertTrue(!Files.exists(node.config().stateDir().resolve("inbound")) || isEmpty(node.config().stateDir().resolve("inbound")),
                    "no attachment recorded for the failed captures");

            assertEquals(podsBefore, datapath.registeredPods(), "registrations unchanged");
            assertEquals(mapsBefore, dumpMaps(node), "map contents unchanged");
        }
    }

    private static boolean isEmpty(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }

    private static void assertRejected(Datapath datapath, PodRegistration pod, String expected) {
        DatapathException e = assertThrows(DatapathException.class, () -> datapath.registerPod(pod));
        assertTrue(e.getMessage().contains(expected), () -> "message \"" + e.getMessage() + "\" should say " + expected);
        assertTrue(e.getMessage().contains(pod.key()), "the error names the pod");
    }

    /** Every key and value of the configuration maps, hex-encoded, for before/after comparison. */
    private static Map<String, String> dumpMaps(TestNode node) {
        Map<String, String> dump = new TreeMap<>();
        HexFormat hex = HexFormat.of();
        for (MapName name : List.of(MapName.ML_POD_BY_CGRP, MapName.ML_POD_BY_IP4, MapName.ML_NS_ACCEL, MapName.ML_EXCL_PORTS)) {
            try (BpfMap map = BpfMap.openPinned(name.cName(), ProgramSet.mapPin(node.config().pinDir(), name))) {
                for (byte[] key : map.keys(name.keySize())) {
                    dump.put(name.cName() + ":" + hex.formatHex(key),
                            map.lookup(key, name.valueSize()).map(hex::formatHex).orElse("-"));
                }
            }
        }
        return dump;
    }
}
