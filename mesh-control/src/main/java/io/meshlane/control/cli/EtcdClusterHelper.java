package io.meshlane.control.cli;

import io.meshlane.control.fleet.LocalEtcdCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

/** {@code meshlane control --etcd-cluster N}: a local etcd cluster to try several replicas on, until stopped. */
final class EtcdClusterHelper {
    private EtcdClusterHelper() {
    }

    static int run(int members, int basePort, Path dataDir, CountDownLatch stop) throws InterruptedException {
        if (members > 9) {
            throw new IllegalArgumentException("--etcd-cluster takes 1 to 9 members, not " + members);
        }
        List<LocalEtcdCluster.Ports> ports = IntStream.range(0, members)
                .mapToObj(i -> new LocalEtcdCluster.Ports(basePort + i, basePort + 10 + i)).toList();
        Path dir = dataDir.resolve("etcd-cluster");
        try (LocalEtcdCluster cluster = LocalEtcdCluster.start(dir, ports)) {
            String endpoints = String.join(",", cluster.endpoints());
            System.out.println("etcd cluster of " + members + " members serving " + endpoints + " (data in " + dir + ")");
            System.out.println("start replicas on it (each in its own terminal or service; any number, distinct ports):");
            for (int r = 0; r < 3; r++) {
                System.out.println("  ./meshlane control --store etcd --etcd-endpoints " + endpoints
                        + " --data-dir " + dataDir.resolve("replica-" + r) + " --listen 127.0.0.1:" + (6443 + r)
                        + " --agents-port " + (15012 + 100 * r) + " --xds-port " + (15010 + 100 * r)
                        + " --otlp-grpc-port " + (4317 + 100 * r) + " --otlp-http-port " + (4318 + 100 * r));
            }
            System.out.println("stop the etcd members with Ctrl-C (their data stays for the next start)");
            stop.await();
        }
        return 0;
    }
}
