package io.meshlane.lab.telemetry;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How lab pods reach an OTLP receiver on the host's loopback. Pods live in network namespaces
 * whose only link is the node namespace's bridge, so the host's 127.0.0.1 is out of their reach.
 * The gateway is one host process whose listening socket is created inside the node namespace
 * (on the bridge address 10.244.0.1:&lt;port&gt;, see {@link NetnsEntry}); every accepted
 * connection is spliced to the receiver through a socket created in the host namespace. No
 * interface, route or address is added to the host; traffic is loopback on one side and the
 * lab's own bridge on the other. The lab starts it in its cgroup, so {@code lab down} ends it.
 *
 * <p>{@code TelemetryGateway --netns ml-<lab>-node --listen 10.244.0.1:4318 --upstream 127.0.0.1:4318};
 * prints READY when listening.
 */
public final class TelemetryGateway {
    private static final AtomicLong CONNECTIONS = new AtomicLong();

    private TelemetryGateway() {
    }

    public static void main(String[] args) throws Exception {
        String netns = null;
        InetSocketAddress listen = null;
        InetSocketAddress upstream = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--netns" -> netns = args[i + 1];
                case "--listen" -> listen = address(args[i + 1]);
                case "--upstream" -> upstream = address(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (expected --netns, --listen, --upstream)");
            }
        }
        if (netns == null || listen == null || upstream == null) {
            throw new IllegalArgumentException("--netns, --listen and --upstream are required");
        }
        InetSocketAddress bind = listen;
        ServerSocketChannel server = NetnsEntry.inside(netns, () -> ServerSocketChannel.open().bind(bind, 256));
        serve(server, netns, listen, upstream, System.out);
    }

    private static void serve(ServerSocketChannel server, String netns, InetSocketAddress listen,
                              InetSocketAddress upstream, PrintStream out) {
        try (server) {
            out.println("READY gateway netns=" + netns + " listen=" + listen + " upstream=" + upstream);
            out.flush();
            while (true) {
                SocketChannel accepted = server.accept();
                Thread.ofVirtual().start(() -> splice(accepted, upstream, out));
            }
        } catch (IOException e) {
            out.println("FAIL gateway " + listen + ": " + e);
            System.exit(2);
        }
    }

    /** Runs on a virtual thread; no thread of this process is in the node namespace, so the upstream is the host's. */
    private static void splice(SocketChannel downstream, InetSocketAddress upstream, PrintStream out) {
        long id = CONNECTIONS.incrementAndGet();
        try (downstream; SocketChannel up = SocketChannel.open(upstream)) {
            Thread back = Thread.ofVirtual().start(() -> pump(up, downstream));
            pump(downstream, up);
            back.join();
        } catch (IOException e) {
            out.println("FAIL gateway connection " + id + " to " + upstream + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // both sides are going away
            }
        }
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + hostPort + "' is not host:port");
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
