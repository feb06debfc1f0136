package io.meshlane.control.telemetry.otlp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * OTLP/HTTP on Netty: POST /v1/traces, /v1/metrics, /v1/logs in protobuf or JSON, optionally gzip-encoded.
 * The size limit applies to the decoded body (a small gzip body cannot expand past it). Decoding and the
 * sink run on a bounded worker pool, not on the event loop; when that pool is full the client gets 503.
 * With credentials it serves HTTPS (client certificates optional, checked against the CA when shown).
 */
final class OtlpHttpReceiver implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OtlpHttpReceiver.class.getName());

    private final EventLoopGroup group;
    private final ExecutorService workers;
    private final Channel channel;

    private OtlpHttpReceiver(EventLoopGroup group, ExecutorService workers, Channel channel) {
        this.group = group;
        this.workers = workers;
        this.channel = channel;
    }

    static OtlpHttpReceiver start(OtlpReceiverOptions options, OtlpIngest ingest) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        AtomicInteger n = new AtomicInteger();
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ExecutorService workers = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256),
                r -> Thread.ofPlatform().daemon().name("otlp-http-" + n.incrementAndGet()).unstarted(r),
                new ThreadPoolExecutor.AbortPolicy());
        try {
            SslContext tls = options.secure() ? SslContextBuilder.forServer(options.credentials().keyManagers())
                    .trustManager(options.credentials().clientTrust()).clientAuth(ClientAuth.OPTIONAL).build() : null;
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            if (tls != null) {
                                c.pipeline().addLast(tls.newHandler(c.alloc()));
                            }
                            c.pipeline()
                                    .addLast(new HttpServerCodec())
                                    .addLast(new HttpContentDecompressor(0))
                                    .addLast(new OtlpHttpAggregator(options.maxMessageBytes()))
                                    .addLast(new OtlpHttpHandler(options, ingest, workers));
                        }
                    })
                    .bind(new InetSocketAddress(options.host(), options.httpPort())).sync().channel();
            OtlpHttpReceiver r = new OtlpHttpReceiver(group, workers, ch);
            LOG.info("OTLP/HTTP receiving on " + options.host() + ":" + r.port()
                    + (tls != null ? " (TLS; telemetry token or client certificate)" : " (plaintext, unauthenticated: loopback only)"));
            return r;
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownNow();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot receive OTLP/HTTP on " + options.host() + ":" + options.httpPort() + ": "
                    + e.getMessage() + " (choose another port, or -1 to turn OTLP/HTTP off)", e);
        }
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdown();
    }
}
