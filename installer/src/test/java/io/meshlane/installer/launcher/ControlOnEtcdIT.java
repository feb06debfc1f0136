package io.meshlane.installer.launcher;

import io.meshlane.control.testing.EtcdServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.meshlane.installer.launcher.LaunchedControl.kubectl;

/**
 * {@code ./meshlane control --store etcd} as a user starts it: the launcher's assembled classpath
 * against a real etcd (it once died at start with vert.x's NoClassDefFoundError while every
 * module's own suite passed). A namespace created through one control plane is read through a
 * second one with its own data directory: the objects live in etcd, not in an embedded store.
 */
class ControlOnEtcdIT {

    @TempDir
    Path dir;

    @Test
    void theLauncherServesTheKubernetesApiFromEtcd() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            Path first = dir.resolve("first");
            try (LaunchedControl control = LaunchedControl.control(first, etcd.endpoint())) {
                Path kubeconfig = control.kubeconfig();
                kubectl(kubeconfig, "create", "namespace", "from-the-launcher");
                assertTrue(kubectl(kubeconfig, "get", "namespaces").contains("from-the-launcher"));
            }
            try (LaunchedControl second = LaunchedControl.control(dir.resolve("second"), etcd.endpoint())) {
                String out = kubectl(second.kubeconfig(), "get", "namespace", "from-the-launcher", "-o", "name");
                assertEquals("namespace/from-the-launcher", out.strip(), "the namespace is in etcd");
            }
        }
    }
}
