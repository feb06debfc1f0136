package io.meshlane.lab.capture;

import io.meshlane.lab.node.HostCommand;
import io.meshlane.lab.node.Netns;

import java.util.ArrayList;
import java.util.List;

/**
 * Istio's istio-init traffic capture (REDIRECT mode, all inbound ports, uid/gid 1337),
 * written with the real iptables inside a pod's network namespace. The chain layout mirrors
 * Istio's: {@code OUTPUT -> ISTIO_OUTPUT -> ISTIO_REDIRECT (15001)} for the application's
 * outbound connections, with the sidecar's own uid/gid and loopback destinations excluded,
 * and {@code PREROUTING -> ISTIO_INBOUND -> ISTIO_IN_REDIRECT (15006)} for inbound ones.
 */
public final class IstioIptables {
    public static final int PROXY_UID = 1337;
    public static final int PROXY_GID = 1337;
    public static final int OUTBOUND_PORT = 15001;
    public static final int INBOUND_PORT = 15006;
    /** Istio's own ports that inbound capture leaves alone (HBONE, Prometheus, health, agent). */
    public static final List<Integer> INBOUND_EXCLUDED = List.of(15008, 15090, 15021, 15020);

    private IstioIptables() {
    }

    /** The rules in iptables-restore format (nat table, applied with --noflush). */
    public static String rules() {
        List<String> r = new ArrayList<>();
        r.add("*nat");
        for (String chain : List.of("ISTIO_INBOUND", "ISTIO_IN_REDIRECT", "ISTIO_OUTPUT", "ISTIO_REDIRECT")) {
            r.add(":" + chain + " - [0:0]");
        }
        r.add("-A PREROUTING -p tcp -j ISTIO_INBOUND");
        r.add("-A OUTPUT -p tcp -j ISTIO_OUTPUT");
        for (int port : INBOUND_EXCLUDED) {
            r.add("-A ISTIO_INBOUND -p tcp --dport " + port + " -j RETURN");
        }
        r.add("-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT");
        r.add("-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports " + INBOUND_PORT);
        // the sidecar's inbound passthrough source address
        r.add("-A ISTIO_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN");
        // sidecar talking to its own pod's address over lo: treat as inbound
        r.add("-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -o lo -p tcp -m owner --uid-owner " + PROXY_UID + " -j ISTIO_IN_REDIRECT");
        r.add("-A ISTIO_OUTPUT -o lo -m owner ! --uid-owner " + PROXY_UID + " -j RETURN");
        r.add("-A ISTIO_OUTPUT -m owner --uid-owner " + PROXY_UID + " -j RETURN");
        r.add("-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -o lo -p tcp -m owner --gid-owner " + PROXY_GID + " -j ISTIO_IN_REDIRECT");
        r.add("-A ISTIO_OUTPUT -o lo -m owner ! --gid-owner " + PROXY_GID + " -j RETURN");
        r.add("-A ISTIO_OUTPUT -m owner --gid-owner " + PROXY_GID + " -j RETURN");
        r.add("-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN");
        // Istio's excludeOutboundIPRanges, for the lab's telemetry gateway: the lab's plumbing, not a mesh service
        r.add("-A ISTIO_OUTPUT -d " + EbpfCapture.LAB_INFRASTRUCTURE + " -j RETURN");
        r.add("-A ISTIO_OUTPUT -j ISTIO_REDIRECT");
        r.add("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports " + OUTBOUND_PORT);
        r.add("COMMIT");
        return String.join("\n", r) + "\n";
    }

    public static void apply(String netns) {
        List<String> argv = new ArrayList<>(Netns.execPrefix(netns));
        argv.addAll(List.of("iptables-restore", "--noflush"));
        HostCommand.exec(argv, rules()).orThrow();
    }

    /** Packets that took the given nat chain's rules (e.g. ISTIO_REDIRECT) in the namespace. */
    public static long packets(String netns, String chain) {
        List<String> argv = new ArrayList<>(Netns.execPrefix(netns));
        argv.addAll(List.of("iptables", "-t", "nat", "-L", chain, "-v", "-n", "-x"));
        String out = HostCommand.exec(argv, null).orThrow().out();
        long sum = 0;
        for (String line : out.lines().skip(2).toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 0 && f[0].matches("\\d+")) {
                sum += Long.parseLong(f[0]);
            }
        }
        return sum;
    }

    /** The nat rules currently in the namespace, as iptables-save prints them. */
    public static String save(String netns) {
        List<String> argv = new ArrayList<>(Netns.execPrefix(netns));
        argv.addAll(List.of("iptables-save", "-t", "nat"));
        return HostCommand.exec(argv, null).orThrow().out();
    }
}
