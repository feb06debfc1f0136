package io.meshlane.lab.spec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PodFileTest {

    @Test
    void parsesAValidFileAndAssignsAddresses() {
        LabSpec spec = PodFile.parse("""
                lab: demo
                pods:
                  - namespace: shop
                    name: server
                    labels: {app: echo}
                    mode: iptables
                    ip: 10.244.0.2
                    app: {type: echo, port: 8080}
                  - namespace: shop
                    name: client
                    mode: ebpf
                    app: {type: load, target: shop/server, port: 8080, rate: 10}
                  - name: tools
                    sidecar: false
                    app: {type: command, command: [sleep, "5"]}
                """, "test.yaml");
        assertEquals("demo", spec.name());
        assertEquals(3, spec.pods().size());
        PodSpec server = spec.pod("shop/server").orElseThrow();
        assertEquals(PodMode.IPTABLES, server.mode());
        assertTrue(server.sidecar());
        assertEquals("10.244.0.2", server.ip().getHostAddress());
        PodSpec client = spec.pod("shop/client").orElseThrow();
        assertEquals(PodMode.EBPF, client.mode());
        assertEquals("10.244.0.3", client.ip().getHostAddress(), "next free address after the explicit one");
        assertInstanceOf(AppSpec.Load.class, client.app());
        PodSpec tools = spec.pod("default/tools").orElseThrow();
        assertEquals(PodMode.DIRECT, tools.mode());
        assertEquals(java.util.List.of("sleep", "5"), ((AppSpec.Command) tools.app()).argv());
    }

    @Test
    void eachNamespaceIsLabelledWithItsLabRedirectionAndSidecars() {
        LabSpec spec = PodFile.parse("""
                lab: demo
                pods:
                  - {namespace: shop, name: server, mode: iptables}
                  - {namespace: shop, name: client, mode: ebpf}
                  - {namespace: fast, name: client, mode: ebpf}
                  - {namespace: tools, name: box, sidecar: false}
                """, "test.yaml");
        assertEquals(java.util.Map.of(
                "fast", java.util.Map.of("meshlane.io/lab", "demo", "meshlane.io/redirection", "ebpf", "istio-injection", "enabled"),
                "shop", java.util.Map.of("meshlane.io/lab", "demo", "meshlane.io/redirection", "ebpf.iptables", "istio-injection", "enabled"),
                "tools", java.util.Map.of("meshlane.io/lab", "demo", "meshlane.io/redirection", "direct")),
                spec.namespaceLabels());
    }

    @Test
    void rejectsDuplicateNames() {
        LabSpecException e = assertThrows(LabSpecException.class, () -> PodFile.parse("""
                pods:
                  - {namespace: a, name: web, mode: direct}
                  - {namespace: a, name: web, mode: iptables}
                """, "dup.yaml"));
        assertTrue(e.getMessage().contains("duplicate pod name a/web"), e.getMessage());
        assertTrue(e.getMessage().contains("dup.yaml"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was created"), e.getMessage());
    }

    @Test
    void rejectsAddressCollisionsAndAddressesOutsideThePodNetwork() {
        LabSpecException e = assertThrows(LabSpecException.class, () -> PodFile.parse("""
                pods:
                  - {name: a, mode: direct, ip: 10.244.1.5}
                  - {name: b, mode: direct, ip: 10.244.1.5}
                  - {name: c, mode: direct, ip: 192.168.1.10}
                  - {name: d, mode: direct, ip: 10.244.0.1}
                """, "ips.yaml"));
        assertTrue(e.getMessage().contains("address collision: 10.244.1.5 is already the address of default/a"), e.getMessage());
        assertTrue(e.getMessage().contains("192.168.1.10 is not a usable pod address"), e.getMessage());
        assertTrue(e.getMessage().contains("10.244.0.1 is not a usable pod address"), e.getMessage());
    }

    @Test
    void rejectsUnknownModes() {
        LabSpecException e = assertThrows(LabSpecException.class, () -> PodFile.parse("""
                pods:
                  - {name: a, mode: turbo}
                """, "mode.yaml"));
        assertTrue(e.getMessage().contains("unknown mode 'turbo' (expected one of: direct, iptables, ebpf)"), e.getMessage());
    }

    @Test
    void rejectsInconsistentOrMalformedPods() {
        LabSpecException e = assertThrows(LabSpecException.class, () -> PodFile.parse("""
                pods:
                  - {name: a, mode: direct, sidecar: true}
                  - {name: B_ad, mode: iptables}
                  - {name: c, mode: iptables, app: {type: echo, port: 15001}}
                  - {name: d, app: {type: load, target: nowhere, port: 80}}
                """, "bad.yaml"));
        String m = e.getMessage();
        assertTrue(m.contains("mode direct means no sidecar"), m);
        assertTrue(m.contains("'B_ad' is not a DNS label"), m);
        assertTrue(m.contains("port 15001 is taken by the sidecar"), m);
        assertTrue(m.contains("load target 'default/nowhere' is not a pod of this file"), m);
    }

    @Test
    void rejectsUnknownKeysAndEmptyFiles() {
        LabSpecException unknown = assertThrows(LabSpecException.class,
                () -> PodFile.parse("pods:\n  - {name: a, colour: red}\n", "keys.yaml"));
        assertTrue(unknown.getMessage().contains("colour"), unknown.getMessage());
        assertThrows(LabSpecException.class, () -> PodFile.parse("", "empty.yaml"));
        assertThrows(LabSpecException.class, () -> PodFile.parse("pods: []\n", "none.yaml"));
    }
}
