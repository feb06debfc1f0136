package io.meshlane.control.testing;

import io.meshlane.control.fleet.LocalEtcdCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A real etcd (Debian's etcd-server, /usr/bin/etcd) on loopback: one member ({@link #start()}) or a
 * cluster of several ({@link #cluster(int)}, members stopped and restarted by index), on ports from
 * {@link FreePorts} and a temp data dir removed on close.
 */
public final class EtcdServer implements AutoCloseable {

    private final LocalEtcdCluster cluster;
    private final Path dataDir;

    private EtcdServer(LocalEtcdCluster cluster, Path dataDir) {
        this.cluster = cluster;
        this.dataDir = dataDir;
    }

    public static EtcdServer start() throws IOException, InterruptedException {
        return cluster(1);
    }

    public static EtcdServer cluster(int members) throws IOException {
        Path dir = Files.createTempDirectory("meshlane-etcd");
        List<LocalEtcdCluster.Ports> ports = IntStream.range(0, members)
                .mapToObj(i -> new LocalEtcdCluster.Ports(FreePorts.pick(), FreePorts.pick())).toList();
        try {
            return new EtcdServer(LocalEtcdCluster.start(dir, ports), dir);
        } catch (RuntimeException e) {
            TempDirs.delete(dir);
            throw e;
        }
    }

    /** The first member's client URL (the only one of a single-member etcd). */
    public String endpoint() {
        return cluster.endpoints().getFirst();
    }

    /** Every member's client URL, comma-separated as --etcd-endpoints takes them. */
    public String endpoints() {
        return String.join(",", cluster.endpoints());
    }

    public void stopMember(int member) {
        cluster.stop(member);
    }

    public void restartMember(int member) {
        cluster.restart(member);
    }

    public void awaitMember(int member) {
        cluster.awaitMember(member);
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } finally {
            TempDirs.delete(dataDir);
        }
    }
}
