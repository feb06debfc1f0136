package io.meshlane.agent.datapath;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Byte layouts of the keys and values in meshlane.h, in the host's byte order for integers
 * and network order for addresses. Keep in step with the C structs.
 */
final class MapLayouts {

    static final int POD_INFO_SIZE = 40;
    static final int POD_HAS_SIDECAR = 1;
    /** port_key.port flag for inbound exclusions (PORT_INBOUND in meshlane.h). */
    static final int PORT_INBOUND = 0x10000;

    private MapLayouts() {
    }

    /** struct pod_info. */
    static byte[] podInfo(int podId, int namespaceId, PodRegistration pod) {
        ByteBuffer b = buffer(POD_INFO_SIZE);
        b.putInt(podId).putInt(namespaceId).putInt(pod.sidecarUid());
        b.putShort((short) pod.outboundPort()).putShort((short) pod.inboundPort());
        b.putInt(pod.sidecar() ? POD_HAS_SIDECAR : 0);
        b.put(pod.ips().stream().filter(Inet4Address.class::isInstance).findFirst()
                .map(InetAddress::getAddress).orElse(new byte[4]));
        b.put(pod.ips().stream().filter(Inet6Address.class::isInstance).findFirst()
                .map(InetAddress::getAddress).orElse(new byte[16]));
        return b.array();
    }

    static byte[] u32(int value) {
        return buffer(4).putInt(value).array();
    }

    static byte[] u64(long value) {
        return buffer(8).putLong(value).array();
    }

    /** struct port_key. */
    static byte[] portKey(int podId, int port) {
        return buffer(8).putInt(podId).putInt(port).array();
    }

    /** struct cidr4_key or cidr6_key: the pod id is matched whole, then the CIDR's prefix. */
    static byte[] cidrKey(int podId, Cidr cidr) {
        byte[] addr = cidr.address().getAddress();
        return buffer(8 + addr.length).putInt(32 + cidr.prefixLength()).putInt(podId).put(masked(addr, cidr.prefixLength()))
                .array();
    }

    private static byte[] masked(byte[] addr, int prefix) {
        byte[] out = addr.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }
}
