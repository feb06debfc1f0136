package io.meshlane.agent.datapath;

import io.meshlane.agent.testnode.PodProcess;
import io.meshlane.agent.testnode.TestNode;
import io.meshlane.agent.testnode.apps.EchoServer;
import io.meshlane.agent.testnode.apps.OrigDstRelay;
import io.meshlane.agent.testnode.apps.StreamClient;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;


/**
 * The two-pod topology most datapath tests share: client pod A and server pod B in
 * namespace "shop", each with a sidecar relay (uid 1337); B runs an echo server on 8080.
 * A's sidecar maps the service address 10.96.0.10:80 to B's endpoint, as Envoy would.
 */
final class MeshTraffic {

    static final String NAMESPACE = "shop";
    static final String POD_A_IP = "10.244.0.2";
    static final String POD_B_IP = "10.244.0.3";
    static final String SERVICE = "10.96.0.10";
    static final int APP_UID = 1000;
    static final int SIDECAR_UID = 1337;
    static final Duration WAIT = Duration.ofSeconds(30);

    final TestNode node;
    final Path podA;
    final Path podB;
    PodProcess sidecarA;
    PodProcess sidecarB;
    PodProcess echo;

    MeshTraffic(TestNode node) {
        this.node = node;
        this.podA = node.pod("pod-a", POD_A_IP);
        this.podB = node.pod("pod-b", POD_B_IP);
    }

    PodRegistration registrationA() {
        return PodRegistration.withIstioSidecar(NAMESPACE, "pod-a", podA, List.of(ip(POD_A_IP)));
    }

    PodRegistration registrationB() {
        return PodRegistration.withIstioSidecar(NAMESPACE, "pod-b", podB, List.of(ip(POD_B_IP)));
    }

    void register(Datapath datapath) {
        datapath.registerPod(registrationA());
        datapath.registerPod(registrationB());
        datapath.setNamespaceAcceleration(NAMESPACE, true);
    }

    /** Starts the echo server and both sidecars and waits until they listen. */
    void startWorkloads() {
        echo = node.start("echo", podB, APP_UID, EchoServer.class, "8080");
        sidecarB = node.start("sidecar-b", podB, SIDECAR_UID, OrigDstRelay.class, "--listen", POD_B_IP + ":15006");
        sidecarA = node.start("sidecar-a", podA, SIDECAR_UID, OrigDstRelay.class, "--listen", "127.0.0.1:15001",
                "--route", SERVICE + ":80=" + POD_B_IP + ":8080");
        echo.awaitPrefix("LISTENING", WAIT);
        sidecarB.awaitPrefix("LISTENING", WAIT);
        sidecarA.awaitPrefix("LISTENING", WAIT);
    }

    /** An app process in pod A streaming {@code bytes} to host:port and reading the echo. */
    PodProcess stream(String host, int port, long bytes, int chunk, long pauseMillis, Path pauseFile) {
        return node.start("client", podA, APP_UID, StreamClient.class, host, Integer.toString(port),
                Long.toString(bytes), Integer.toString(chunk), Long.toString(pauseMillis),
                pauseFile == null ? "" : pauseFile.toString());
    }

    /** Asserts that the stream finished and every byte came back unchanged. */
    static void assertIntact(PodProcess client, long bytes, Duration timeout) {
        io.meshlane.agent.testnode.Streams.assertIntact(client, bytes, timeout);
    }

    static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
