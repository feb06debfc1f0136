package io.meshlane.installer.launcher;

import io.meshlane.control.testing.FreePorts;
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

/** One {@code ./meshlane control} process (etcd or embedded store) as a user starts it; closing it sends SIGTERM, as a service manager would. */
record LaunchedControl(Process process, Path data, Path log, Path kubeconfig, int port) implements AutoCloseable {
    private static final Pattern KUBECONFIG = Pattern.compile("kubectl --kubeconfig (\\S+) get namespaces");
    private static final long START_SECONDS = 180;

    /** Starts the process without waiting for it to serve. */
    static LaunchedControl launch(Path data, String etcdEndpoints) throws Exception {
        return launchWith(data, "--store", "etcd", "--etcd-endpoints", etcdEndpoints);
    }

    /** {@code ./meshlane control} on its default embedded store, serving. */
    static LaunchedControl embedded(Path data) throws Exception {
        return launchWith(data).serving();
    }

    private static LaunchedControl launchWith(Path data, String... storeArgs) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path launcher = root.resolve("meshlane");
        assertTrue(Files.isExecutable(launcher), "the launcher at " + launcher);
        Files.createDirectories(data);
        Path log = data.resolve("control.log");
        int port = FreePorts.pick();
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "control"));
        command.addAll(List.of(storeArgs));
        command.addAll(List.of("--data-dir", data.toString(), "--listen", "127.0.0.1:" + port, "--agents-port", "0",
                "--xds-port", "0", "--otlp-grpc-port", "-1", "--otlp-http-port", "-1"));
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new LaunchedControl(p, data, log, null, port);
    }

    static LaunchedControl control(Path data, String etcdEndpoints) throws Exception {
        return launch(data, etcdEndpoints).serving();
    }

    /** Waits until it prints its kubeconfig, i.e. serves. */
    LaunchedControl serving() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline) {
            Matcher m = KUBECONFIG.matcher(Files.readString(log));
            if (m.find()) {
                return new LaunchedControl(process, data, log, Path.of(m.group(1)), port);
            }
            if (!process.isAlive()) {
                fail("./meshlane control --store etcd exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        process.destroyForcibly();
        fail("./meshlane control --store etcd printed no kubeconfig within " + START_SECONDS + " s:\n" + Files.readString(log));
        return null;
    }

    static String kubectl(Path kubeconfig, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }

    @Override
    public void close() throws Exception {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("./meshlane control did not stop within 30 s of SIGTERM:\n" + Files.readString(log));
        }
    }
}
