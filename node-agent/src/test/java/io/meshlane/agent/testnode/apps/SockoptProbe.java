package io.meshlane.agent.testnode.apps;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** Prints what getsockopt(TCP_INFO) returns into a buffer of the given size. Args: bufferSize. */
public final class SockoptProbe {

    private static final MethodHandle GETSOCKOPT = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getsockopt").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_INFO = 11;

    public static void main(String[] args) throws Throwable {
        int size = Integer.parseInt(args[0]);
        System.out.println(describe(size));
    }

    /** The optlen TCP_INFO returns with a buffer of {@code size} bytes, in this process's cgroup. */
    public static int tcpInfoLength(int size) throws Throwable {
        String line = describe(size);
        return Integer.parseInt(line.substring(line.indexOf("optlen=") + 7));
    }

    private static String describe(int size) throws Throwable {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept();
             Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(size);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, size);
            int rc = (int) GETSOCKOPT.invokeExact(OrigDstRelay.fd(client), IPPROTO_TCP, TCP_INFO, buffer, length);
            return "TCP_INFO rc=" + rc + " optlen=" + length.get(ValueLayout.JAVA_INT, 0);
        }
    }
}
