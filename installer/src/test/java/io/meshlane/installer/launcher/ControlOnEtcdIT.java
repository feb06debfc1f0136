package io.meshlane.installer.launcher;

import io.meshlane.control.testing.FreePorts;
import io.meshlane.control.testing.EtcdServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code ./meshlane control --store etcd} as a user starts it: the launcher's assembled classpath
 * against a real etcd (it once died at start with vert.x's NoClassDefFoundError while every
 * module's own suite passed). A namespace created through one control plane is read through a
 * second one with its own data directory: the objects live in etcd, not in an embedded store.
 */
class ControlOnEtcdIT {
    private static final Pattern KUBECONFIG = Pattern.compile("kubectl --kubeconfig (\\S+) get namespaces");
    private static final long START_SECONDS = 180;

    @TempDir
    Path dir;

    @Test
    void theLauncherServesTheKubernetesApiFromEtcd() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            Path first = dir.resolve("first");
            try (Launched control = Launched.control(first, etcd.endpoint())) {
                Path kubeconfig = control.kubeconfig();
                kubectl(kubeconfig, "create", "namespace", "from-the-launcher");
                assertTrue(kubectl(kubeconfig, "get", "namespaces").contains("from-the-launcher"));
            }
            try (Launched second = Launched.control(dir.resolve("second"), etcd.endpoint())) {
                String out = kubectl(second.kubeconfig(), "get", "namespace", "from-the-launcher", "-o", "name");
                assertEquals("namespace/from-the-launcher", out.strip(), "the namespace is in etcd");
            }
        }
    }

    private static String kubectl(Path kubeconfig, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }

    /** One {@code ./meshlane control} process; closing it sends SIGTERM, as a service manager would. */
    private record Launched(Process process, Path log, Path kubeconfig) implements AutoCloseable {
        static Launched control(Path data, String etcd) throws Exception {
            Path root = Path.of("").toAbsolutePath().getParent();
            Path launcher = root.resolve("meshlane");
            assertTrue(Files.isExecutable(launcher), "the launcher at " + launcher);
            Files.createDirectories(data);
            Path log = data.resolve("control.log");
            Process p = new ProcessBuilder(launcher.toString(), "control", "--store", "etcd", "--etcd-endpoints", etcd,
                    "--data-dir", data.toString(), "--listen", "127.0.0.1:" + FreePorts.pick(), "--agents-port", "0",
                    "--xds-port", "0", "--otlp-grpc-port", "-1", "--otlp-http-port", "-1")
                    .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
            while (System.nanoTime() < deadline) {
                Matcher m = KUBECONFIG.matcher(Files.readString(log));
                if (m.find()) {
                    return new Launched(p, log, Path.of(m.group(1)));
                }
                if (!p.isAlive()) {
                    fail("./meshlane control --store etcd exited with " + p.exitValue() + ":\n" + Files.readString(log));
                }
                Thread.sleep(200);
            }
            p.destroyForcibly();
            fail("./meshlane control --store etcd printed no kubeconfig within " + START_SECONDS + " s:\n" + Files.readString(log));
            return null;
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("./meshlane control did not stop within 30 s of SIGTERM:\n" + Files.readString(log));
            }
        }
    }
}
