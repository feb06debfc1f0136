package io.meshlane.agent.datapath;

import io.meshlane.agent.bpf.BpfMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes and removes the map entries that describe one pod. */
final class PodEntries {

    private final Map<MapName, BpfMap> maps;

    PodEntries(Map<MapName, BpfMap> maps) {
        this.maps = maps;
    }

    /**
     * Exclusions and addresses first, the cgroup entry last: it is what switches the pod on.
     * Returns the cgroup id written, which {@link #remove} needs once the directory is gone.
     */
    long write(int podId, int namespaceId, PodRegistration pod) {
        byte[] info = MapLayouts.podInfo(podId, namespaceId, pod);
        byte[] one = MapLayouts.u32(1);
        byte[] zero = MapLayouts.u32(0);
        for (int port : pod.excludedPorts()) {
            map(MapName.ML_EXCL_PORTS).update(MapLayouts.portKey(podId, port), one, BpfMap.ANY);
        }
        for (int port : pod.excludedInboundPorts()) {
            map(MapName.ML_EXCL_PORTS).update(MapLayouts.portKey(podId, port | MapLayouts.PORT_INBOUND), one, BpfMap.ANY);
        }
        for (Cidr cidr : cidrsWithDefaults(pod)) {
            map(cidrMap(cidr.address())).update(MapLayouts.cidrKey(podId, cidr), one, BpfMap.ANY);
        }
        for (Cidr cidr : pod.includedCidrs()) {
            map(cidrMap(cidr.address())).update(MapLayouts.cidrKey(podId, cidr), zero, BpfMap.ANY);
        }
        for (InetAddress ip : pod.ips()) {
            map(ipMap(ip)).update(ip.getAddress(), info, BpfMap.ANY);
        }
        long cgroupId = cgroupId(pod.cgroup());
        map(MapName.ML_POD_BY_CGRP).update(MapLayouts.u64(cgroupId), info, BpfMap.ANY);
        return cgroupId;
    }

    /** The reverse of {@link #write}, also after the pod's cgroup directory is gone; absent entries are fine. */
    void remove(int podId, long cgroupId, PodRegistration pod) {
        map(MapName.ML_POD_BY_CGRP).delete(MapLayouts.u64(cgroupId));
        for (InetAddress ip : pod.ips()) {
            map(ipMap(ip)).delete(ip.getAddress());
        }
        for (Cidr cidr : pod.includedCidrs()) {
            map(cidrMap(cidr.address())).delete(MapLayouts.cidrKey(podId, cidr));
        }
        for (Cidr cidr : cidrsWithDefaults(pod)) {
            map(cidrMap(cidr.address())).delete(MapLayouts.cidrKey(podId, cidr));
        }
        for (int port : pod.excludedInboundPorts()) {
            map(MapName.ML_EXCL_PORTS).delete(MapLayouts.portKey(podId, port | MapLayouts.PORT_INBOUND));
        }
        for (int port : pod.excludedPorts()) {
            map(MapName.ML_EXCL_PORTS).delete(MapLayouts.portKey(podId, port));
        }
    }

    /** Creates the pod's zeroed per-CPU counters; an existing entry (re-registration) keeps counting. */
    void createCounters(int podId, byte[] zero) {
        try {
            map(MapName.ML_POD_COUNTERS).update(MapLayouts.u32(podId), zero, BpfMap.NOEXIST);
        } catch (io.meshlane.agent.bpf.BpfException e) {
            if (e.errno() != 17) { // EEXIST
                throw e;
            }
        }
    }

    void deleteCounters(int podId) {
        map(MapName.ML_POD_COUNTERS).delete(MapLayouts.u32(podId));
    }

    /** Exclusions, plus "everything" when the pod names the ranges to include instead. */
    private static java.util.List<Cidr> cidrsWithDefaults(PodRegistration pod) {
        if (pod.includedCidrs().isEmpty()) {
            return pod.excludedCidrs();
        }
        java.util.List<Cidr> all = new java.util.ArrayList<>(pod.excludedCidrs());
        all.add(Cidr.parse("0.0.0.0/0"));
        all.add(Cidr.parse("::/0"));
        return all;
    }

    /** cgroup v2 ids are the inode numbers of the cgroup directories. */
    static long cgroupId(Path cgroup) {
        try {
            return (Long) Files.getAttribute(cgroup, "unix:ino");
        } catch (IOException e) {
            throw new UncheckedIOException("reading the cgroup id of " + cgroup, e);
        }
    }

    private BpfMap map(MapName name) {
        return maps.get(name);
    }

    private static MapName ipMap(InetAddress ip) {
        return ip instanceof Inet4Address ? MapName.ML_POD_BY_IP4 : MapName.ML_POD_BY_IP6;
    }

    private static MapName cidrMap(InetAddress ip) {
        return ip instanceof Inet4Address ? MapName.ML_EXCL_CIDR4 : MapName.ML_EXCL_CIDR6;
    }
}
