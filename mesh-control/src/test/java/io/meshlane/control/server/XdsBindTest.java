package io.meshlane.control.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.registry.ServiceRegistry;
import io.meshlane.control.store.SqliteStore;
import io.meshlane.control.testing.TempDirs;
import io.meshlane.control.xds.XdsServer;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Plaintext ADS listens on loopback even when the control plane listens everywhere, unless --xds-insecure-bind says otherwise. */
class XdsBindTest {

    @Test
    void plaintextAdsBindsLoopbackByDefault() throws Exception {
        MeshControlOptions everywhere = MeshControlOptions.of(ControlPlaneOptions.defaults().withListen("0.0.0.0", 6443)).withPorts(0, 0);
        assertEquals("127.0.0.1", everywhere.xds().host());
        assertEquals("0.0.0.0", everywhere.withXdsInsecureBind("0.0.0.0").xds().host());

        Path dir = Files.createTempDirectory("xds-bind");
        try (SqliteStore store = SqliteStore.open(dir.resolve("store"));
             XdsServer xds = XdsServer.start(everywhere.xds(), store, new ServiceRegistry())) {
            try (Socket s = new Socket("127.0.0.1", xds.port())) {
                assertTrue(s.isConnected());
            }
            Optional<InetAddress> other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                    .filter(a -> !a.isLoopbackAddress() && a instanceof java.net.Inet4Address).findFirst();
            if (other.isPresent()) {
                try (Socket s = new Socket(other.get(), xds.port())) {
                    throw new AssertionError("plaintext ADS answered on " + other.get() + ", beyond loopback");
                } catch (java.net.ConnectException expected) {
                    // refused: nothing listens there
                }
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
