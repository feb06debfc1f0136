package io.meshlane.lab.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import org.HdrHistogram.Histogram;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Request/response load over persistent TCP connections (native epoll, one event loop, IPv4
 * sockets so the kernel's connect4 hooks apply). Every response is compared with the request
 * it answers (CRC32C); a mismatch, a lost connection or a missing response is an error.
 *
 * <p>Open loop: request i is due at {@code start + i/rate}, whatever happened to earlier
 * requests, and its latency is measured from that intended time (wrk2-style coordinated-omission
 * correction: a stalled connection or a late sender shows up as latency, not as fewer samples).
 * Closed loop: each connection keeps {@code inflight} requests outstanding and sends the next
 * one as soon as an answer arrived; the completion rate is the throughput.
 */
public final class LoadGenerator implements AutoCloseable {
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int MAX_ERROR_SAMPLES = 5;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

    public LoadGenerator() {
        Epoll.ensureAvailability();
    }

    public LoadResult openLoop(LoadSpec spec) {
        return run(spec, true);
    }

    public LoadResult closedLoop(LoadSpec spec) {
        return run(spec, false);
    }

    /** Open-loop connection churn: {@code rate} new connections per second, one echoed request each. */
    public LoadResult churn(LoadSpec spec) {
        try {
            return new ConnectionChurn(spec, group.next()).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a churn run", e);
        } catch (Exception e) {
            throw new IllegalStateException("churn run against " + spec.host() + ":" + spec.port() + " failed: " + e, e);
        }
    }

    private LoadResult run(LoadSpec spec, boolean open) {
        EventLoop loop = group.next();
        Run run = new Run(spec, loop, open);
        try {
            run.connect();
            loop.execute(run::begin);
            return run.done.get(spec.duration().toSeconds() + 60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a load run", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("load run against " + spec.host() + ":" + spec.port() + " failed: " + e, e);
        } finally {
            run.closeAll();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One run; every field is touched only on the event loop after connect(). */
    private static final class Run {
        final LoadSpec spec;
        final EventLoop loop;
        final boolean open;
        final Histogram histogram = LoadResult.newHistogram();
        final List<Conn> conns = new ArrayList<>();
        final List<String> errorSamples = new ArrayList<>();
        final CompletableFuture<LoadResult> done = new CompletableFuture<>();
        final long total;
        final long intervalNanos;
        long start;
        long endOfSending;
        long seq;
        long received;
        long errors;
        long lastResponse;
        boolean sending = true;

        Run(LoadSpec spec, EventLoop loop, boolean open) {
            this.spec = spec;
            this.loop = loop;
            this.open = open;
            this.total = open ? Math.max(1, spec.rate() * spec.duration().toNanos() / 1_000_000_000L) : Long.MAX_VALUE;
            this.intervalNanos = 1_000_000_000L / spec.rate();
        }

        void connect() throws InterruptedException {
            Bootstrap b = new Bootstrap().group(loop)
                    .channelFactory(() -> new EpollSocketChannel(SocketProtocolFamily.INET))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
            for (int i = 0; i < spec.connections(); i++) {
                Conn conn = new Conn(this, i);
                b.handler(conn);
                var f = b.connect(new InetSocketAddress(spec.host(), spec.port())).await();
                if (!f.isSuccess()) {
                    throw new IllegalStateException("cannot connect to " + spec.host() + ":" + spec.port() + ": " + f.cause(), f.cause());
                }
                conn.channel = f.channel();
                conns.add(conn);
            }
        }

        void begin() {
            start = System.nanoTime();
            endOfSending = start + spec.duration().toNanos();
            if (open) {
                tick();
            } else {
                for (int i = 0; i < spec.inflight(); i++) {
                    conns.forEach(c -> send(c, System.nanoTime()));
                }
                loop.schedule(this::stopSending, spec.duration().toNanos(), TimeUnit.NANOSECONDS);
            }
            loop.schedule(this::timeout, spec.duration().toNanos() + DRAIN_NANOS, TimeUnit.NANOSECONDS);
        }

        void tick() {
            long now = System.nanoTime();
            while (seq < total && start + seq * intervalNanos <= now) {
                send(conns.get((int) (seq % conns.size())), start + seq * intervalNanos);
            }
            if (seq < total) {
                loop.schedule(this::tick, start + seq * intervalNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
            } else {
                sending = false;
                maybeFinish();
            }
        }

        void stopSending() {
            sending = false;
            maybeFinish();
        }

        void send(Conn conn, long intended) {
            long n = seq++;
            ByteBuf buf = conn.channel.alloc().directBuffer(spec.payload());
            Payloads.fill(buf, n, spec.payload());
            conn.pending.add(new long[]{intended, Payloads.crc(buf, 0, spec.payload())});
            conn.channel.writeAndFlush(buf).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    error("write failed on connection " + conn.index + ": " + f.cause());
                }
            });
        }

        void response(Conn conn, long intended, boolean intact) {
            long now = System.nanoTime();
            lastResponse = now;
            if (intact) {
                received++;
                histogram.recordValue(Math.min(Math.max(0, now - intended), LoadResult.HIGHEST_NANOS));
            } else {
                error("corrupt response on connection " + conn.index + " (checksum mismatch)");
            }
            if (!open && sending && System.nanoTime() < endOfSending) {
                send(conn, System.nanoTime());
            }
            maybeFinish();
        }

        void error(String what) {
            errors++;
            if (errorSamples.size() < MAX_ERROR_SAMPLES) {
                errorSamples.add(what);
            }
        }

        void lost(Conn conn, String why) {
            int n = conn.pending.size();
            if (n > 0) {
                conn.pending.clear();
                errors += n - 1;
                error(n + " request(s) lost: " + why + " on connection " + conn.index);
            }
            maybeFinish();
        }

        void maybeFinish() {
            if (done.isDone() || sending) {
                return;
            }
            if (conns.stream().allMatch(c -> c.pending.isEmpty())) {
                finish();
            }
        }

        void timeout() {
            if (done.isDone()) {
                return;
            }
            sending = false;
            for (Conn c : conns) {
                if (!c.pending.isEmpty()) {
                    lost(c, "no response within " + TimeUnit.NANOSECONDS.toSeconds(DRAIN_NANOS) + " s after the run");
                }
            }
            finish();
        }

        void finish() {
            long elapsed = Math.max(1, (lastResponse == 0 ? System.nanoTime() : lastResponse) - start);
            done.complete(new LoadResult(received, errors, elapsed, histogram, List.copyOf(errorSamples)));
        }

        void closeAll() {
            for (Conn c : conns) {
                c.closing = true;
                c.channel.close().awaitUninterruptibly();
            }
        }
    }

    /** One persistent connection: its outstanding requests in order, and the bytes received so far. */
    private static final class Conn extends ChannelInboundHandlerAdapter {
        final Run run;
        final int index;
        final ArrayDeque<long[]> pending = new ArrayDeque<>();
        Channel channel;
        ByteBuf cumulation;
        boolean closing;

        Conn(Run run, int index) {
            this.run = run;
            this.index = index;
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (cumulation == null) {
                    cumulation = ctx.alloc().directBuffer(Math.max(run.spec.payload() * 2, 256));
                }
                cumulation.writeBytes(in);
            } finally {
                in.release();
            }
            int size = run.spec.payload();
            while (cumulation.readableBytes() >= size) {
                long[] req = pending.poll();
                if (req == null) {
                    run.error("unexpected " + cumulation.readableBytes() + " bytes on connection " + index);
                    cumulation.clear();
                    break;
                }
                boolean intact = Payloads.crc(cumulation, cumulation.readerIndex(), size) == (int) req[1];
                cumulation.skipBytes(size);
                run.response(this, req[0], intact);
            }
            cumulation.discardReadBytes();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (cumulation != null) {
                cumulation.release();
                cumulation = null;
            }
            if (!closing) {
                run.lost(this, "connection closed by the peer");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!closing) {
                run.lost(this, cause.toString());
            }
            ctx.close();
        }
    }
}
