package io.meshlane.control.acceptance;

import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.EtcdServer;
import java.nio.file.Path;
import java.util.List;

/** The same acceptance against a real etcd on loopback. */
class EtcdKubectlAcceptanceTest extends KubectlAcceptance {

    private EtcdServer etcd;

    @Override
    protected ControlPlaneOptions options(Path dataDir) throws Exception {
        etcd = EtcdServer.start();
        return ControlPlaneOptions.defaults().withDataDir(dataDir).withEtcd(List.of(etcd.endpoint()));
    }

    @Override
    protected void stopEngine() {
        if (etcd != null) {
            etcd.close();
        }
    }
}
