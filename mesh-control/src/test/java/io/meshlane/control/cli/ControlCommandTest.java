package io.meshlane.control.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.testing.FreePorts;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ControlCommandTest {

    @Test
    void controlServesTheDataDirsKubeconfigAndKeepsItsTokenAcrossRestarts() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-control");
        int port = FreePorts.pick();
        try {
            String firstToken = serveOnce(dir, port, plane -> {
                String out = new Kubectl(dir.resolve("kubeconfig")).ok("get", "namespaces");
                assertTrue(out.contains("default"), out);
                assertEquals("https://127.0.0.1:" + port, plane.url());
            });
            String secondToken = serveOnce(dir, port, plane -> { });
            assertEquals(firstToken, secondToken, "the token is generated once and kept in the data dir");
            assertTrue(Files.exists(dir.resolve("ca.crt")));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("token"))));
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static String serveOnce(Path dir, int port, java.util.function.Consumer<ControlPlane> check) throws Exception {
        ControlCommand command = new ControlCommand();
        new CommandLine(command).parseArgs("--data-dir", dir.toString(), "--listen", "127.0.0.1:" + port, "--store", "embedded", "--agents-port", "0", "--xds-port", "0");
        CountDownLatch stop = new CountDownLatch(1);
        CompletableFuture<String> token = new CompletableFuture<>();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return command.serveUntil(stop, plane -> {
                    try {
                        check.accept(plane);
                        token.complete(plane.token());
                    } catch (Throwable t) {
                        token.completeExceptionally(t);
                    } finally {
                        stop.countDown();
                    }
                });
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(0, exit.get(60, TimeUnit.SECONDS));
        return token.get();
    }

    @Test
    void badOptionsSayWhatToDo() {
        CommandLine cli = new CommandLine(new ControlCommand());
        cli.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
        assertNotEquals(0, cli.execute("--store", "etcd"));
        ControlCommand command = new ControlCommand();
        new CommandLine(command).parseArgs("--listen", "nonsense");
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(CommandLine.ParameterException.class, command::options);
        assertTrue(e.getMessage().contains("--listen must be host:port"), e.getMessage());
    }
}
