package io.meshlane.lab.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import org.HdrHistogram.Histogram;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Open-loop connection churn: at {@code rate} per second a new TCP connection (so every one
 * passes the datapath's connect hook and sockops), one checksummed request and its echo, then
 * close. Latency runs from the intended start to the verified echo (connect included); a failed
 * connect, a corrupt or missing echo is an error. Everything runs on one event loop.
 */
final class ConnectionChurn {
    private static final int MAX_ERROR_SAMPLES = 5;
    private final LoadSpec spec;
    private final EventLoop loop;
    private final Histogram histogram = LoadResult.newHistogram();
    private final List<String> errorSamples = new ArrayList<>();
    private final CompletableFuture<LoadResult> done = new CompletableFuture<>();
    private final Bootstrap bootstrap;
    private final long total;
    private final long interval;
    private long start;
    private long started;
    private long finished;
    private long ok;
    private long errors;
    private static final int ECHO_TIMEOUT_SECONDS = 5;

    ConnectionChurn(LoadSpec spec, EventLoop loop) {
        this.spec = spec;
        this.loop = loop;
        this.total = Math.max(1, spec.rate() * spec.duration().toNanos() / 1_000_000_000L);
        this.interval = 1_000_000_000L / spec.rate();
        this.bootstrap = new Bootstrap().group(loop)
                .channelFactory(() -> new EpollSocketChannel(SocketProtocolFamily.INET))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
    }

    LoadResult run() throws Exception {
        loop.execute(() -> {
            start = System.nanoTime();
            tick();
        });
        return done.get(spec.duration().toSeconds() + 60, TimeUnit.SECONDS);
    }

    private void tick() {
        long now = System.nanoTime();
        while (started < total && start + started * interval <= now) {
            connect(start + started * interval, started++);
        }
        if (started < total) {
            loop.schedule(this::tick, start + started * interval - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
    }

    private void connect(long intended, long seq) {
        Exchange exchange = new Exchange(intended, seq);
        bootstrap.clone().handler(exchange).connect(new InetSocketAddress(spec.host(), spec.port()))
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        end(false, "connect failed: " + f.cause());
                    }
                });
    }

    private void end(boolean intact, String error) {
        finished++;
        if (intact) {
            ok++;
        } else {
            errors++;
            if (errorSamples.size() < MAX_ERROR_SAMPLES) {
                errorSamples.add(error);
            }
        }
        if (finished == total) {
            done.complete(new LoadResult(ok, errors, System.nanoTime() - start, histogram, List.copyOf(errorSamples)));
        }
    }

    /** One connection's request and echo. */
    private final class Exchange extends ChannelInboundHandlerAdapter {
        private final long intended;
        private final long seq;
        private ByteBuf received;
        private int crc;
        private boolean over;

        Exchange(long intended, long seq) {
            this.intended = intended;
            this.seq = seq;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ByteBuf buf = ctx.alloc().directBuffer(spec.payload());
            Payloads.fill(buf, seq, spec.payload());
            crc = Payloads.crc(buf, 0, spec.payload());
            received = ctx.alloc().directBuffer(spec.payload());
            ctx.writeAndFlush(buf);
            // a connection nobody answers or closes is an error, not a run that never ends
            ctx.executor().schedule(() -> {
                if (!over) {
                    over = true;
                    end(false, "no echo on connection " + seq + " within " + ECHO_TIMEOUT_SECONDS + " s");
                    ctx.close();
                }
            }, ECHO_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                received.writeBytes(in, Math.min(in.readableBytes(), received.writableBytes()));
            } finally {
                in.release();
            }
            if (received.readableBytes() == spec.payload() && !over) {
                over = true;
                boolean intact = Payloads.crc(received, 0, spec.payload()) == crc;
                if (intact) {
                    histogram.recordValue(Math.min(Math.max(0, System.nanoTime() - intended), LoadResult.HIGHEST_NANOS));
                }
                end(intact, "corrupt echo on connection " + seq);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (received != null) {
                received.release();
                received = null;
            }
            if (!over) {
                over = true;
                end(false, "connection " + seq + " closed before its echo");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
