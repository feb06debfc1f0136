package io.meshlane.control.server;

import io.meshlane.control.telemetry.TelemetryOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * How to run the control plane. {@code port} 0 picks a free port (tests); bookmarks are sent
 * to watchers that allow them every {@code bookmarkMillis}.
 */
public record ControlPlaneOptions(Path dataDir, String host, int port, StoreKind store, List<String> etcdEndpoints,
                                  long bookmarkMillis, TelemetryOptions telemetry) {

    public static final int DEFAULT_PORT = 6443;

    public static ControlPlaneOptions defaults() {
        return new ControlPlaneOptions(Path.of(System.getProperty("user.home"), ".meshlane"), "127.0.0.1", DEFAULT_PORT,
                StoreKind.EMBEDDED, List.of(), 60_000, TelemetryOptions.defaults());
    }

    public ControlPlaneOptions withDataDir(Path dir) {
        return new ControlPlaneOptions(dir, host, port, store, etcdEndpoints, bookmarkMillis, telemetry);
    }

    public ControlPlaneOptions withListen(String listenHost, int listenPort) {
        return new ControlPlaneOptions(dataDir, listenHost, listenPort, store, etcdEndpoints, bookmarkMillis, telemetry);
    }

    public ControlPlaneOptions withEtcd(List<String> endpoints) {
        return new ControlPlaneOptions(dataDir, host, port, StoreKind.ETCD, List.copyOf(endpoints), bookmarkMillis, telemetry);
    }

    public ControlPlaneOptions withTelemetry(TelemetryOptions options) {
        return new ControlPlaneOptions(dataDir, host, port, store, etcdEndpoints, bookmarkMillis, options);
    }

    public ControlPlaneOptions withBookmarkMillis(long millis) {
        return new ControlPlaneOptions(dataDir, host, port, store, etcdEndpoints, millis, telemetry);
    }
}
