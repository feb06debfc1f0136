package io.meshlane.agent.datapath;

import java.util.Locale;

/**
 * The maps of meshlane.h, each pinned under {@code maps/<name>}, with the key and value sizes the
 * agent uses for them (0: the agent never reads or writes that map's entries; only the programs do).
 */
public enum MapName {
    ML_POD_BY_CGRP(Long.BYTES, MapLayouts.POD_INFO.size()),
    ML_POD_BY_IP4(Integer.BYTES, MapLayouts.POD_INFO.size()),
    ML_POD_BY_IP6(16, MapLayouts.POD_INFO.size()),
    ML_NS_ACCEL(Integer.BYTES, Integer.BYTES),
    ML_EXCL_PORTS(MapLayouts.PORT_KEY.size(), Integer.BYTES),
    ML_EXCL_CIDR4(MapLayouts.CIDR4_KEY.size(), Integer.BYTES),
    ML_EXCL_CIDR6(MapLayouts.CIDR6_KEY.size(), Integer.BYTES),
    ML_CONN_BY_COOKIE(0, 0),
    ML_CONN_BY_TUPLE(0, 0),
    ML_SOCK_HASH(0, 0),
    ML_COUNTERS(Integer.BYTES, Long.BYTES),
    ML_POD_COUNTERS(Integer.BYTES, MapLayouts.POD_COUNTERS.size()),
    ML_SOCK_POD(0, 0);

    private final int keySize;
    private final int valueSize;

    MapName(int keySize, int valueSize) {
        this.keySize = keySize;
        this.valueSize = valueSize;
    }

    /** The map's name in meshlane.h, in libbpf and in the pin directory. */
    public String cName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }
}
