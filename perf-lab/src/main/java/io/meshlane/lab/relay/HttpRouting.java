package io.meshlane.lab.relay;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The relay's HTTP routing, for outbound connections to an HTTP service the control plane has routes for
 * (found by the original destination's pod in the lab's peer table: {@code <service>.<namespace>.svc.cluster.local:<port>}).
 * Such a connection is parsed as HTTP/1.1; each request, on its own, takes the route {@link RouteMatch} picks
 * from the route configuration the control plane last pushed ({@link XdsRoutes}), goes to an endpoint of the
 * picked cluster (round robin) over the relay's keep-alive client, and copies go to the route's mirror
 * clusters, coloured with a lane cluster's header, their responses discarded. This is the lab's stand-in
 * for Envoy's HTTP connection manager: enough of it to route by headers as Envoy would, not a full proxy.
 */
final class HttpRouting implements AutoCloseable {
    private static final Duration FIRST_ROUTE_WAIT = Duration.ofSeconds(5);
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(10);
    /** Hop-by-hop headers and the ones the JDK client sets itself. */
    private static final Set<String> NOT_COPIED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "keep-alive", "transfer-encoding", "te", "trailer", "proxy-connection");

    private final XdsRoutes xds;
    private final PeerDirectory peers;
    private final Consumer<String> log;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client;
    private final Map<String, AtomicLong> roundRobin = new ConcurrentHashMap<>();
    /** Route names the control plane had nothing for, until when: those connections stay TCP meanwhile. */
    private final Map<String, Long> notHttp = new ConcurrentHashMap<>();
    private static final long NOT_HTTP_NANOS = Duration.ofSeconds(10).toNanos();

    HttpRouting(XdsRoutes xds, PeerDirectory peers, Consumer<String> log) {
        this.xds = xds;
        this.peers = peers;
        this.log = log;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** The route configuration name an original destination calls, when its pod is known. */
    Optional<String> routeName(InetSocketAddress original) {
        PeerWorkload peer = peers.lookup(original.getAddress());
        if (peer == PeerWorkload.UNKNOWN) {
            return Optional.empty();
        }
        return Optional.of(peer.service() + "." + peer.namespace() + ".svc.cluster.local:" + original.getPort());
    }

    /** On a virtual thread (it may wait for the first push): whether the connection to {@code original} is routed as HTTP. */
    void decide(InetSocketAddress original, Consumer<Optional<String>> then) {
        Optional<String> name = routeName(original);
        Long until = name.map(notHttp::get).orElse(null);
        if (name.isEmpty() || until != null && System.nanoTime() < until) {
            then.accept(Optional.empty());
            return;
        }
        executor.execute(() -> {
            try {
                Optional<RouteConfiguration> rc = xds.route(name.get(), FIRST_ROUTE_WAIT);
                if (rc.isEmpty()) {
                    notHttp.put(name.get(), System.nanoTime() + NOT_HTTP_NANOS);
                    log.accept("XDS no routes for " + name.get() + ": TCP");
                }
                then.accept(rc.map(r -> name.get()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                then.accept(Optional.empty());
            }
        });
    }

    /** Turns an accepted (auto-read off) channel into an HTTP one routed by {@code routeName}. */
    void install(Channel downstream, String routeName) {
        downstream.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Requests(routeName));
        downstream.config().setAutoRead(true);
    }

    private final class Requests extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String routeName;

        Requests(String routeName) {
            this.routeName = routeName;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            request.retain();
            Channel ch = ctx.channel();
            // one request at a time per connection (HTTP/1.1 without pipelining): stop reading until it is answered
            ch.config().setAutoRead(false);
            executor.execute(() -> {
                FullHttpResponse response;
                try {
                    response = forward(request);
                } finally {
                    request.release();
                }
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                HttpUtil.setKeepAlive(response, keepAlive);
                ch.writeAndFlush(response).addListener(keepAlive ? (ChannelFutureListener) f -> ch.config().setAutoRead(true)
                        : ChannelFutureListener.CLOSE);
            });
        }

        private FullHttpResponse forward(FullHttpRequest request) {
            RouteConfiguration rc = xds.current(routeName);
            Optional<RouteMatch.Pick> pick = rc == null ? Optional.empty()
                    : RouteMatch.pick(rc, request.uri(), name -> request.headers().get(name));
            if (pick.isEmpty()) {
                return plain(HttpResponseStatus.NOT_FOUND, "no route of " + routeName + " matches " + request.uri());
            }
            byte[] body = new byte[request.content().readableBytes()];
            request.content().getBytes(request.content().readerIndex(), body);
            for (String mirror : pick.get().mirrors()) {
                Optional<XdsRoutes.Colour> colour = xds.colour(mirror);
                Optional<HttpRequest> copy = build(request, body, mirror, colour);
                copy.ifPresent(c -> client.sendAsync(c, HttpResponse.BodyHandlers.discarding()));
            }
            Optional<HttpRequest> out = build(request, body, pick.get().cluster(), Optional.empty());
            if (out.isEmpty()) {
                return plain(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream in " + pick.get().cluster());
            }
            try {
                HttpResponse<byte[]> answer = client.send(out.get(), HttpResponse.BodyHandlers.ofByteArray());
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(answer.statusCode()), Unpooled.wrappedBuffer(answer.body()));
                answer.headers().map().forEach((k, v) -> {
                    if (!NOT_COPIED.contains(k.toLowerCase(java.util.Locale.ROOT)) && !k.startsWith(":")) {
                        response.headers().add(k, v);
                    }
                });
                HttpUtil.setContentLength(response, answer.body().length);
                return response;
            } catch (IOException e) {
                return plain(HttpResponseStatus.BAD_GATEWAY, "upstream " + out.get().uri() + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return plain(HttpResponseStatus.SERVICE_UNAVAILABLE, "interrupted");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.accept("HTTP " + routeName + " from " + ctx.channel().remoteAddress() + ": " + cause);
            ctx.close();
        }
    }

    /** The request for an endpoint of {@code cluster} (round robin), with {@code colour} set; empty when it has none. */
    private Optional<HttpRequest> build(FullHttpRequest request, byte[] body, String cluster, Optional<XdsRoutes.Colour> colour) {
        List<InetSocketAddress> endpoints = xds.endpoints(cluster);
        if (endpoints.isEmpty()) {
            return Optional.empty();
        }
        long n = roundRobin.computeIfAbsent(cluster, c -> new AtomicLong()).getAndIncrement();
        InetSocketAddress to = endpoints.get((int) (n % endpoints.size()));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + to.getHostString() + ":" + to.getPort() + request.uri()))
                .timeout(UPSTREAM_TIMEOUT)
                .method(request.method().name(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, String> h : request.headers()) {
            if (!NOT_COPIED.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                b.header(h.getKey(), h.getValue());
            }
        }
        colour.ifPresent(c -> b.setHeader(c.header(), c.lane()));
        return Optional.of(b.build());
    }

    private static FullHttpResponse plain(HttpResponseStatus status, String message) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        HttpUtil.setContentLength(r, r.content().readableBytes());
        return r;
    }

    @Override
    public void close() {
        client.close();
        executor.shutdownNow();
        xds.close();
    }
}
