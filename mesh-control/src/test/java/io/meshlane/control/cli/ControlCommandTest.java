package io.meshlane.control.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.testing.NodeClients;
import java.io.PrintWriter;
import java.io.StringWriter;
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

    /** In a cluster, clients reach mesh-control by its Service's name: --serving-name puts it in the generated certificate. */
    @Test
    void servingNamesAreInTheGeneratedCertificateAndOthersAreNot() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-control");
        try {
            serveOnce(dir, FreePorts.pick(), 0, plane -> {
                Kubectl kubectl = new Kubectl(dir.resolve("kubeconfig"));
                assertTrue(kubectl.ok("--tls-server-name", "meshlane-control.meshlane-system.svc", "get", "namespaces").contains("default"));
                Kubectl.Result unnamed = kubectl.run("--tls-server-name", "elsewhere.example.org", "get", "namespaces");
                assertFalse(unnamed.ok(), unnamed.toString());
                assertTrue(unnamed.err().contains("x509") || unnamed.err().contains("certificate"), unnamed.toString());
            }, "--serving-name", "meshlane-control.meshlane-system.svc");
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void aTokenFromTheCliJoinsANodeOnceAndARevokeFromTheCliEndsItsStream() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-control-identity");
        int agents = FreePorts.pick();
        try {
            serveOnce(dir, FreePorts.pick(), agents, plane -> {
                try {
                    StringWriter out = new StringWriter();
                    CommandLine cli = new CommandLine(new ControlCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()));
                    assertEquals(0, cli.execute("token", "create", "--cluster", "local", "--ttl", "10m", "--data-dir", dir.toString()));
                    String token = out.toString().trim();
                    assertTrue(token.matches("[0-9a-f]{8}\\.[0-9a-f]{32}"), "stdout holds the token only: " + out);
                    NodeClients clients = new NodeClients(dir, agents);
                    ManagedChannel channel = clients.channel(clients.join(token, "local", "node-1"));
                    try {
                        var stream = AgentControlGrpc.newBlockingStub(channel).watchPolicy(NodeIdentity.newBuilder().setNode("node-1").build());
                        stream.next();
                        assertEquals(0, new CommandLine(new ControlCommand()).setOut(new PrintWriter(new StringWriter()))
                                .execute("node", "revoke", "node-1", "--data-dir", dir.toString()));
                        StatusRuntimeException ended = assertThrows(StatusRuntimeException.class, () -> {
                            while (stream.hasNext()) {
                                stream.next();
                            }
                        });
                        assertEquals(Status.Code.PERMISSION_DENIED, ended.getStatus().getCode());
                    } finally {
                        channel.shutdownNow();
                    }
                    assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                            () -> clients.join(token, "local", "node-2")).getStatus().getCode(), "the token was used");
                    assertNotEquals(0, new CommandLine(new ControlCommand()).setErr(new PrintWriter(new StringWriter()))
                            .execute("token", "create", "--cluster", "Bad_Name", "--data-dir", dir.toString()));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static String serveOnce(Path dir, int port, java.util.function.Consumer<ControlPlane> check) throws Exception {
        return serveOnce(dir, port, 0, check);
    }

    private static String serveOnce(Path dir, int port, int agentsPort, java.util.function.Consumer<ControlPlane> check,
                                    String... extraArgs) throws Exception {
        ControlCommand command = new ControlCommand();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--data-dir", dir.toString(), "--listen", "127.0.0.1:" + port,
                "--store", "embedded", "--agents-port", Integer.toString(agentsPort), "--xds-port", "0", "--otlp-grpc-port", "-1",
                "--otlp-http-port", "-1"));
        args.addAll(java.util.List.of(extraArgs));
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
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
