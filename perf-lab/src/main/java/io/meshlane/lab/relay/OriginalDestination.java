package io.meshlane.lab.relay;

import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Recovers a redirected connection's original destination the way Envoy does:
 * {@code getsockopt(fd, SOL_IP, SO_ORIGINAL_DST)} (or {@code SOL_IPV6, IP6T_SO_ORIGINAL_DST}
 * for IPv6), called through the FFM API on libc's getsockopt with the epoll channel's file
 * descriptor. iptables REDIRECT answers it from conntrack; the node agent's cgroup/getsockopt
 * program answers it for connections its connect hooks redirected.
 */
public final class OriginalDestination implements DestinationResolver {
    static final int SOL_IP = 0;
    static final int SOL_IPV6 = 41;
    static final int SO_ORIGINAL_DST = 80;
    static final int IP6T_SO_ORIGINAL_DST = 80;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCKADDR_IN_SIZE = 16;
    private static final int SOCKADDR_IN6_SIZE = 28;

    private static final StructLayout CAPTURED = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURED.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle GETSOCKOPT;
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    static {
        Linker linker = Linker.nativeLinker();
        GETSOCKOPT = linker.downcallHandle(
                linker.defaultLookup().find("getsockopt").orElseThrow(() -> new IllegalStateException("libc has no getsockopt")),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                Linker.Option.captureCallState("errno"));
    }

    @Override
    public InetSocketAddress resolve(Channel accepted) {
        if (!(accepted instanceof UnixChannel unix)) {
            throw new IllegalArgumentException("SO_ORIGINAL_DST needs a native (epoll) channel, got " + accepted.getClass());
        }
        InetSocketAddress local = (InetSocketAddress) accepted.localAddress();
        boolean ipv6 = local.getAddress() instanceof Inet6Address v6 && !isV4Mapped(v6);
        return query(unix.fd().intValue(), ipv6);
    }

    /** getsockopt(fd, SOL_IP/SOL_IPV6, SO_ORIGINAL_DST) on a connected TCP socket. */
    public static InetSocketAddress query(int fd, boolean ipv6) {
        try (Arena arena = Arena.ofConfined()) {
            int size = ipv6 ? SOCKADDR_IN6_SIZE : SOCKADDR_IN_SIZE;
            MemorySegment addr = arena.allocate(size, 8);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, size);
            MemorySegment state = arena.allocate(CAPTURED);
            int rc = (int) GETSOCKOPT.invokeExact(state, fd, ipv6 ? SOL_IPV6 : SOL_IP,
                    ipv6 ? IP6T_SO_ORIGINAL_DST : SO_ORIGINAL_DST, addr, len);
            if (rc != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new OriginalDestinationException(fd, errno);
            }
            int family = addr.get(ValueLayout.JAVA_SHORT, 0) & 0xffff;
            int port = addr.get(NET_SHORT, 2) & 0xffff;
            byte[] ip;
            if (family == AF_INET) {
                ip = addr.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
            } else if (family == AF_INET6) {
                ip = addr.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
            } else {
                throw new IllegalStateException("SO_ORIGINAL_DST on fd " + fd + " answered address family " + family);
            }
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (OriginalDestinationException | IllegalStateException e) {
            throw e;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        } catch (Throwable t) {
            throw new IllegalStateException("getsockopt(SO_ORIGINAL_DST) failed on fd " + fd + ": " + t, t);
        }
    }

    private static boolean isV4Mapped(Inet6Address a) {
        byte[] b = a.getAddress();
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    /** getsockopt failed; ENOENT (2) means the connection was not redirected. */
    public static final class OriginalDestinationException extends RuntimeException {
        private final int errno;

        OriginalDestinationException(int fd, int errno) {
            super("getsockopt(SO_ORIGINAL_DST) on fd " + fd + " failed with errno " + errno
                    + (errno == 2 ? " (ENOENT: the connection was not redirected to the sidecar)" : ""));
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }
}
