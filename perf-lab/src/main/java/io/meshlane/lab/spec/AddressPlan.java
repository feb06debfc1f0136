package io.meshlane.lab.spec;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The lab's pod network: 10.244.0.0/16 on the node's bridge. The bridge holds 10.244.0.1;
 * pods without an explicit address get the next free one from 10.244.0.2 upwards.
 * A lab with a second node splits the range like Kubernetes' per-node pod CIDRs: node 1 keeps
 * 10.244.0.0/17, node 2 gets 10.244.128.0/17 behind its own bridge at 10.244.128.1; pods keep
 * their /16 and reach the other half through a route via their node.
 */
public final class AddressPlan {
    public static final String POD_CIDR = "10.244.0.0/16";
    public static final int PREFIX = 16;
    public static final Inet4Address BRIDGE = of(10, 244, 0, 1);
    public static final Inet4Address NODE2_BRIDGE = of(10, 244, 128, 1);
    /** Prefix length of each node's half of the pod network. */
    public static final int NODE_PREFIX = 17;
    private static final int NODE2_FIRST = 128 << 8;

    private final Set<Inet4Address> taken = new HashSet<>(Set.of(BRIDGE, NODE2_BRIDGE));
    private int next = 2;
    private int nextOnNode2 = NODE2_FIRST + 2;

    /** The bridge (gateway) address of lab node 1 or 2. */
    public static Inet4Address bridge(int node) {
        return node == 2 ? NODE2_BRIDGE : BRIDGE;
    }

    /** The half of the pod network that node {@code node} holds, as a CIDR. */
    public static String nodeRange(int node) {
        return (node == 2 ? "10.244.128.0/" : "10.244.0.0/") + NODE_PREFIX;
    }

    /** Which node's half an address is in. */
    public static int nodeOf(Inet4Address ip) {
        return (ip.getAddress()[2] & 0x80) != 0 ? 2 : 1;
    }

    /** The next free address in node 2's half (10.244.128.2 upwards). */
    public Inet4Address allocateOnNode2() {
        while (nextOnNode2 < 65534) {
            Inet4Address candidate = of(10, 244, nextOnNode2 >> 8, nextOnNode2 & 0xff);
            nextOnNode2++;
            if (usableForPod(candidate) && taken.add(candidate)) {
                return candidate;
            }
        }
        throw new LabSpecException("node 2's pod range " + nodeRange(2) + " has no free address left");
    }

    public static Inet4Address of(int a, int b, int c, int d) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[]{(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Parses a dotted IPv4 literal (never a host name), or empty when it is not one. */
    public static Optional<Inet4Address> parse(String text) {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        int[] octets = new int[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("\\d{1,3}")) {
                return Optional.empty();
            }
            octets[i] = Integer.parseInt(parts[i]);
            if (octets[i] > 255) {
                return Optional.empty();
            }
        }
        return Optional.of(of(octets[0], octets[1], octets[2], octets[3]));
    }

    public static boolean inPodCidr(Inet4Address ip) {
        byte[] b = ip.getAddress();
        return (b[0] & 0xff) == 10 && (b[1] & 0xff) == 244;
    }

    public static boolean usableForPod(Inet4Address ip) {
        byte[] b = ip.getAddress();
        boolean network = b[2] == 0 && b[3] == 0;
        boolean broadcast = (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255;
        return inPodCidr(ip) && !network && !broadcast && !ip.equals(BRIDGE) && !ip.equals(NODE2_BRIDGE);
    }

    /** Claims an explicit address; false when it is already taken. */
    public boolean claim(Inet4Address ip) {
        return taken.add(ip);
    }

    public Inet4Address allocate() {
        while (next < 65534) {
            Inet4Address candidate = of(10, 244, next >> 8, next & 0xff);
            next++;
            if (usableForPod(candidate) && taken.add(candidate)) {
                return candidate;
            }
        }
        throw new LabSpecException("the pod network " + POD_CIDR + " has no free address left");
    }
}
