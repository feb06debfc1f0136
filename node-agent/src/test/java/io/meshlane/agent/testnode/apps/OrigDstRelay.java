package io.meshlane.agent.testnode.apps;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;

/**
 * A minimal sidecar for the datapath tests: accepts on its listen addresses, asks the
 * kernel for SO_ORIGINAL_DST, and forwards to that destination (or to a --route override,
 * as Envoy maps a service VIP to an endpoint). Prints ORIGDST lines the tests read.
 * Args: --listen host:port ... --route ip:port=ip:port ...
 */
public final class OrigDstRelay {

    private static final MethodHandle GETSOCKOPT = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getsockopt").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    public static void main(String[] args) throws Exception {
        Map<String, InetSocketAddress> routes = new HashMap<>();
        java.util.List<InetSocketAddress> listens = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--listen" -> listens.add(parse(args[i + 1]));
                case "--route" -> {
                    String[] kv = args[i + 1].split("=");
                    routes.put(kv[0], parse(kv[1]));
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        for (InetSocketAddress listen : listens) {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(listen);
            Thread.ofPlatform().start(() -> acceptLoop(server, routes));
        }
        System.out.println("LISTENING " + listens);
        System.out.flush();
        Thread.currentThread().join();
    }

    private static void acceptLoop(ServerSocketChannel server, Map<String, InetSocketAddress> routes) {
        while (true) {
            try {
                SocketChannel downstream = server.accept();
                Thread.ofPlatform().daemon().start(() -> relay(server, downstream, routes));
            } catch (IOException e) {
                System.out.println("ACCEPT-ERROR " + e);
                return;
            }
        }
    }

    private static void relay(ServerSocketChannel server, SocketChannel downstream, Map<String, InetSocketAddress> routes) {
        try {
            InetSocketAddress orig = originalDestination(fd(downstream));
            String key = hostPort(orig);
            InetSocketAddress upstreamAddress = routes.getOrDefault(key, orig);
            System.out.println("ORIGDST listen=" + ((InetSocketAddress) server.getLocalAddress()).getPort() + " orig=" + key
                    + " upstream=" + hostPort(upstreamAddress));
            System.out.flush();
            SocketChannel upstream = SocketChannel.open(upstreamAddress);
            Thread.ofPlatform().daemon().start(() -> pump(upstream, downstream));
            pump(downstream, upstream);
        } catch (Throwable e) {
            System.out.println("RELAY-ERROR " + e);
            System.out.flush();
            try {
                downstream.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
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
                to.close();
                from.close();
            } catch (IOException ignored) {
                // closing both ends
            }
        }
    }

    /** SO_ORIGINAL_DST (SOL_IP) first, then IP6T_SO_ORIGINAL_DST (SOL_IPV6), as Envoy asks. */
    static InetSocketAddress originalDestination(int fd) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(28);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 16);
            int rc = (int) GETSOCKOPT.invokeExact(fd, 0 /* SOL_IP */, 80 /* SO_ORIGINAL_DST */, addr, len);
            if (rc == 0) {
                return address(addr, 4, 4);
            }
            len.set(ValueLayout.JAVA_INT, 0, 28);
            rc = (int) GETSOCKOPT.invokeExact(fd, 41 /* SOL_IPV6 */, 80 /* IP6T_SO_ORIGINAL_DST */, addr, len);
            if (rc == 0) {
                return address(addr, 8, 16);
            }
            throw new IOException("getsockopt(SO_ORIGINAL_DST) and (IP6T_SO_ORIGINAL_DST) failed on fd " + fd);
        }
    }

    private static InetSocketAddress address(MemorySegment sockaddr, int offset, int length) throws IOException {
        int port = Short.toUnsignedInt(Short.reverseBytes(sockaddr.get(ValueLayout.JAVA_SHORT, 2)));
        byte[] ip = sockaddr.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
        return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    }

    /** The kernel fd behind a JDK socket channel (child JVMs run with --add-opens java.base/sun.nio.ch). */
    static int fd(SocketChannel channel) throws ReflectiveOperationException {
        var method = channel.getClass().getMethod("getFDVal");
        method.setAccessible(true);
        return (int) method.invoke(channel);
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
