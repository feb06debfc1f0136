package io.meshlane.agent.datapath;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Byte layouts of the keys and values in meshlane.h, in the host's byte order for integers
 * and network order for addresses. The writers below put every field at its declared offset,
 * and a test holds each declared layout against the BTF of the built meshlane.bpf.o.
 */
final class MapLayouts {

    /** One field of a C struct: where it starts and how many bytes it takes. */
    record Field(String name, int offset, int size) {
    }

    /** A C struct as the agent writes it. */
    record Struct(String name, int size, List<Field> fields) {

        int offset(String field) {
            return fields.stream().filter(f -> f.name().equals(field)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("struct " + name + " has no field " + field)).offset();
        }
    }

    static final Struct POD_INFO = new Struct("pod_info", 40, List.of(new Field("pod_id", 0, 4),
            new Field("ns_id", 4, 4), new Field("sidecar_uid", 8, 4), new Field("outbound_port", 12, 2),
            new Field("inbound_port", 14, 2), new Field("flags", 16, 4), new Field("ip4", 20, 4), new Field("ip6", 24, 16)));
    static final Struct PORT_KEY = new Struct("port_key", 8, List.of(new Field("pod_id", 0, 4), new Field("port", 4, 4)));
    static final Struct CIDR4_KEY = new Struct("cidr4_key", 12, List.of(new Field("prefixlen", 0, 4),
            new Field("pod_id", 4, 4), new Field("addr", 8, 4)));
    static final Struct CIDR6_KEY = new Struct("cidr6_key", 24, List.of(new Field("prefixlen", 0, 4),
            new Field("pod_id", 4, 4), new Field("addr", 8, 16)));
    /** struct pod_counters: one u64 slot per {@link Counter}. */
    static final Struct POD_COUNTERS = new Struct("pod_counters", Long.BYTES * Counter.values().length,
            List.of(new Field("c", 0, Long.BYTES * Counter.values().length)));
    static final List<Struct> STRUCTS = List.of(POD_INFO, PORT_KEY, CIDR4_KEY, CIDR6_KEY, POD_COUNTERS);

    static final int POD_HAS_SIDECAR = 1;
    /** port_key.port flag for inbound exclusions (PORT_INBOUND in meshlane.h). */
    static final int PORT_INBOUND = 0x10000;

    private MapLayouts() {
    }

    /** struct pod_info. */
    static byte[] podInfo(int podId, int namespaceId, PodRegistration pod) {
        ByteBuffer b = buffer(POD_INFO.size());
        b.putInt(POD_INFO.offset("pod_id"), podId).putInt(POD_INFO.offset("ns_id"), namespaceId)
                .putInt(POD_INFO.offset("sidecar_uid"), pod.sidecarUid());
        b.putShort(POD_INFO.offset("outbound_port"), (short) pod.outboundPort())
                .putShort(POD_INFO.offset("inbound_port"), (short) pod.inboundPort());
        b.putInt(POD_INFO.offset("flags"), pod.sidecar() ? POD_HAS_SIDECAR : 0);
        b.put(POD_INFO.offset("ip4"), pod.ips().stream().filter(Inet4Address.class::isInstance).findFirst()
                .map(InetAddress::getAddress).orElse(new byte[4]));
        b.put(POD_INFO.offset("ip6"), pod.ips().stream().filter(Inet6Address.class::isInstance).findFirst()
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
        return buffer(PORT_KEY.size()).putInt(PORT_KEY.offset("pod_id"), podId).putInt(PORT_KEY.offset("port"), port).array();
    }

    /** struct cidr4_key or cidr6_key: the pod id is matched whole, then the CIDR's prefix. */
    static byte[] cidrKey(int podId, Cidr cidr) {
        byte[] addr = cidr.address().getAddress();
        Struct key = addr.length == 4 ? CIDR4_KEY : CIDR6_KEY;
        return buffer(key.size()).putInt(key.offset("prefixlen"), 32 + cidr.prefixLength())
                .putInt(key.offset("pod_id"), podId).put(key.offset("addr"), masked(addr, cidr.prefixLength())).array();
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
