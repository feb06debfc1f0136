package io.meshlane.lab.relay;

import io.meshlane.lab.app.EchoServer;
import io.meshlane.lab.load.LoadGenerator;
import io.meshlane.lab.load.LoadResult;
import io.meshlane.lab.load.LoadSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay on loopback (no namespaces): bytes intact, and the FFM getsockopt path. */
class SidecarRelayTest {

    @Test
    void relaysBytesIntact() throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (EchoServer echo = new EchoServer(new InetSocketAddress("127.0.0.1", 0));
             SidecarRelay relay = new SidecarRelay(new FixedDestination(new InetSocketAddress("127.0.0.1", echo.port())),
                     List.of(RelayListener.outbound(0)), 1, log::add);
             LoadGenerator load = new LoadGenerator()) {
            int port = relay.start().getFirst();
            for (int payload : List.of(1, 64, 1024, 300_000)) {
                LoadResult r = load.closedLoop(new LoadSpec("127.0.0.1", port, payload, 2, 1, Duration.ofMillis(300)));
                assertEquals(0, r.errors(), payload + " B: " + r.errorSamples());
                assertTrue(r.requests() > 2, payload + " B: " + r.requests());
            }
            LoadResult pipelined = load.closedLoop(new LoadSpec("127.0.0.1", port, 4096, 2, 1, Duration.ofMillis(300), 8));
            assertEquals(0, pipelined.errors(), "8 pipelined requests per connection: " + pipelined.errorSamples());
            assertTrue(pipelined.requests() > 16, "pipelined: " + pipelined.requests());
            assertTrue(relay.accepted() >= 10, "accepted " + relay.accepted());
            assertTrue(log.stream().allMatch(l -> l.startsWith("CONN outbound")), log.toString());
        }
    }

    @Test
    void originalDestinationOfAnUnredirectedSocketSaysENOENT() throws Exception {
        var group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (EchoServer echo = new EchoServer(new InetSocketAddress("127.0.0.1", 0))) {
            Channel ch = new Bootstrap().group(group).channelFactory(() -> new EpollSocketChannel(SocketProtocolFamily.INET))
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(new InetSocketAddress("127.0.0.1", echo.port())).sync().channel();
            OriginalDestination.OriginalDestinationException e = assertThrows(
                    OriginalDestination.OriginalDestinationException.class, () -> new OriginalDestination().resolve(ch));
            assertEquals(2, e.errno(), e.getMessage());
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }
}
