package io.meshlane.lab.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The lab's sidecar: an L4 relay on Netty's native epoll transport. It stands in for Envoy
 * (which cannot be installed here): it accepts redirected connections on 15001 (outbound) and
 * 15006 (inbound), asks the kernel for the original destination and splices bytes both ways.
 * The inbound listener is transparent (IP_TRANSPARENT, as Envoy's in Istio's TPROXY mode): a
 * connection the kernel delivered to it without rewriting (the node agent's tc program,
 * bpf_sk_assign) keeps the client's destination as its local address, which getsockname reads.
 * It is the same relay in every mode, so mode comparisons measure only the redirection path.
 */
public final class SidecarRelay implements AutoCloseable {
    private final DestinationResolver resolver;
    private final List<RelayListener> listeners;
    private final EventLoopGroup group;
    private final List<Channel> servers = new ArrayList<>();
    private final Consumer<String> log;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final RelayTelemetry telemetry;
    private final HttpRouting routing;

    public SidecarRelay(DestinationResolver resolver, List<RelayListener> listeners, int threads, Consumer<String> log) {
        this(resolver, listeners, threads, log, null);
    }

    /** With {@code telemetry} non-null, every connection is counted into Istio's TCP metrics. */
    public SidecarRelay(DestinationResolver resolver, List<RelayListener> listeners, int threads, Consumer<String> log,
                        RelayTelemetry telemetry) {
        this(resolver, listeners, threads, log, telemetry, null);
    }

    /** With {@code routing} non-null, outbound connections to the mesh's HTTP services are routed per request. */
    SidecarRelay(DestinationResolver resolver, List<RelayListener> listeners, int threads, Consumer<String> log,
                 RelayTelemetry telemetry, HttpRouting routing) {
        Epoll.ensureAvailability();
        this.routing = routing;
        this.telemetry = telemetry;
        this.resolver = resolver;
        this.listeners = List.copyOf(listeners);
        this.group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
        this.log = log;
    }

    /** Binds every listener on 0.0.0.0 (IPv4 sockets). Returns the bound ports in listener order. */
    public List<Integer> start() throws InterruptedException {
        List<Integer> ports = new ArrayList<>();
        for (RelayListener l : listeners) {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channelFactory(() -> new EpollServerSocketChannel(SocketProtocolFamily.INET))
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(EpollChannelOption.IP_TRANSPARENT, l.transparent())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new Frontend(l));
                        }
                    });
            Channel server = b.bind(new InetSocketAddress("0.0.0.0", l.port())).sync().channel();
            servers.add(server);
            ports.add(((InetSocketAddress) server.localAddress()).getPort());
        }
        return ports;
    }

    public long accepted() {
        return accepted.get();
    }

    public long failed() {
        return failed.get();
    }

    @Override
    public void close() {
        servers.forEach(Channel::close);
        if (routing != null) {
            routing.close();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Queues {@code msg} on {@code to}; the read side flushes once per read batch. Back-pressure:
     * a side stops reading while its peer is not writable (channelWritabilityChanged), so each
     * message costs one read and one write syscall and no epoll re-arming.
     */
    private static void forward(Object msg, Channel to) {
        if (to != null && to.isActive()) {
            to.write(msg).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private static void closeOnFlush(Channel ch) {
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The connected side's pipeline when telemetry is on: its counter, then the forwarding handler. */
    private static ChannelHandler withTelemetry(ConnectionStats stats, ChannelHandler backend) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(TelemetryHandler.upstream(stats), backend);
            }
        };
    }

    /** The accepted (downstream) side of a relayed connection. */
    private final class Frontend extends ChannelInboundHandlerAdapter {
        private final RelayListener listener;
        private Channel upstream;

        Frontend(RelayListener listener) {
            this.listener = listener;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel downstream = ctx.channel();
            accepted.incrementAndGet();
            InetSocketAddress original;
            InetSocketAddress target;
            try {
                original = originalDestination(downstream);
                target = listener.route().apply(original);
                if (isSelf(target)) {
                    throw new IllegalStateException("original destination " + original + " is the relay itself");
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                log.accept("DROP " + listener.name() + " from " + downstream.remoteAddress() + ": " + e.getMessage());
                downstream.close();
                return;
            }
            if (routing != null && RelayListener.OUTBOUND.equals(listener.name())) {
                routing.decide(original, route -> downstream.eventLoop().execute(() -> {
                    if (route.isEmpty()) {
                        splice(ctx, downstream, original, target);
                    } else if (downstream.isActive()) {
                        log.accept("HTTP " + listener.name() + " from " + downstream.remoteAddress() + " routes " + route.get());
                        ctx.pipeline().remove(this);
                        routing.install(downstream, route.get());
                    }
                }));
                return;
            }
            splice(ctx, downstream, original, target);
        }

        private void splice(ChannelHandlerContext ctx, Channel downstream, InetSocketAddress original, InetSocketAddress target) {
            log.accept("CONN " + listener.name() + " from " + downstream.remoteAddress()
                    + " original " + original.getAddress().getHostAddress() + ":" + original.getPort()
                    + " upstream " + target.getAddress().getHostAddress() + ":" + target.getPort());
            ChannelHandler backend = new Backend(downstream);
            if (telemetry != null) {
                boolean outbound = RelayListener.OUTBOUND.equals(listener.name());
                ConnectionStats stats = telemetry.open(outbound, outbound ? original.getAddress()
                        : ((InetSocketAddress) downstream.remoteAddress()).getAddress());
                ctx.pipeline().addBefore(ctx.name(), null, TelemetryHandler.downstream(telemetry, stats));
                backend = withTelemetry(stats, backend);
            }
            SocketProtocolFamily family = target.getAddress() instanceof Inet6Address
                    ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
            Bootstrap b = new Bootstrap()
                    .group(downstream.eventLoop())
                    .channelFactory(() -> new EpollSocketChannel(family))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(backend);
            upstream = b.connect(target).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    downstream.config().setAutoRead(true);
                } else {
                    failed.incrementAndGet();
                    log.accept("FAIL " + listener.name() + " upstream " + target + ": " + f.cause());
                    downstream.close();
                }
            }).channel();
        }

        /**
         * A connection accepted on another port than the listener's was delivered transparently: its
         * local address is where the client was going. Otherwise it was redirected to the listener's
         * port (iptables REDIRECT, the connect hook) and the kernel knows the original destination.
         */
        private InetSocketAddress originalDestination(Channel downstream) {
            InetSocketAddress local = (InetSocketAddress) downstream.localAddress();
            int listening = ((InetSocketAddress) downstream.parent().localAddress()).getPort();
            return local.getPort() != listening ? local : resolver.resolve(downstream);
        }

        private boolean isSelf(InetSocketAddress target) {
            return target.getAddress().isLoopbackAddress()
                    && listeners.stream().anyMatch(l -> l.port() == target.getPort());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            forward(msg, upstream);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (upstream != null) {
                upstream.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (upstream != null) {
                upstream.config().setAutoRead(ctx.channel().isWritable());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(upstream);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeOnFlush(ctx.channel());
        }
    }

    /** The connected (upstream) side of a relayed connection. */
    private static final class Backend extends ChannelInboundHandlerAdapter {
        private final Channel downstream;

        Backend(Channel downstream) {
            this.downstream = downstream;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            forward(msg, downstream);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            downstream.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            downstream.config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(downstream);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeOnFlush(ctx.channel());
        }
    }
}
