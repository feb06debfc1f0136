package io.meshlane.control.server;

import java.nio.file.Path;
import java.util.List;

/**
 * How to run the control plane. {@code port} 0 picks a free port (tests); bookmarks are sent
 * to watchers that allow them every {@code bookmarkMillis}.
 */
public record ControlPlaneOptions(Path dataDir, String host, int port, StoreKind store, List<String> etcdEndpoints,
                                  long bookmarkMillis) {

    public static final int DEFAULT_PORT = 6443;

    public static ControlPlaneOptions defaults() {
        return new ControlPlaneOptions(Path.of(System.getProperty("user.home"), ".meshlane"), "127.0.0.1", DEFAULT_PORT,
                StoreKind.EMBEDDED, List.of(), 60_000);
    }

    public ControlPlaneOptions withDataDir(Path dir) {
        return new ControlPlaneOptions(dir, host, port, store, etcdEndpoints, bookmarkMillis);
    }

    public ControlPlaneOptions withListen(String listenHost, int listenPort) {
        return new ControlPlaneOptions(dataDir, listenHost, listenPort, store, etcdEndpoints, bookmarkMillis);
    }

    public ControlPlaneOptions withEtcd(List<String> endpoints) {
        return new ControlPlaneOptions(dataDir, host, port, StoreKind.ETCD, List.copyOf(endpoints), bookmarkMillis);
    }

    public ControlPlaneOptions withBookmarkMillis(long millis) {
        return new ControlPlaneOptions(dataDir, host, port, store, etcdEndpoints, millis);
    }
}
