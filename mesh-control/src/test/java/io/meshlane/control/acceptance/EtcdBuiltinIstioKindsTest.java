package io.meshlane.control.acceptance;

import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.EtcdServer;
import java.nio.file.Path;
import java.util.List;

/** The built-in Istio kinds against a real etcd on loopback (one etcd per test, kept across the test's restart). */
class EtcdBuiltinIstioKindsTest extends BuiltinIstioKindsTest {

    private EtcdServer etcd;

    @Override
    protected ControlPlaneOptions options(Path dataDir) throws Exception {
        if (etcd == null) {
            etcd = EtcdServer.start();
        }
        return ControlPlaneOptions.defaults().withDataDir(dataDir).withEtcd(List.of(etcd.endpoint()));
    }

    @Override
    protected void stopEngine() {
        if (etcd != null) {
            etcd.close();
            etcd = null;
        }
    }
}
