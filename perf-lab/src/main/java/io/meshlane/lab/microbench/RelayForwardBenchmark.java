package io.meshlane.lab.microbench;

import io.meshlane.lab.app.EchoServer;
import io.meshlane.lab.relay.FixedDestination;
import io.meshlane.lab.relay.RelayListener;
import io.meshlane.lab.relay.SidecarRelay;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Relay forwarding per message: one request/response round trip on loopback, either straight
 * to the echo server ({@code direct}) or through the sidecar relay ({@code relay}, which adds
 * two forwarded messages per round trip). The difference is the relay's cost per exchange.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Dio.netty.leakDetection.level=disabled"})
public class RelayForwardBenchmark {
    @Param({"direct", "relay"})
    public String path;
    @Param({"64", "1024"})
    public int payload;

    private EchoServer echo;
    private SidecarRelay relay;
    private SocketChannel client;
    private ByteBuffer out;
    private ByteBuffer in;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        echo = new EchoServer(new InetSocketAddress("127.0.0.1", 0));
        int port = echo.port();
        if (path.equals("relay")) {
            relay = new SidecarRelay(new FixedDestination(new InetSocketAddress("127.0.0.1", echo.port())),
                    List.of(RelayListener.outbound(0)), 1, line -> { });
            port = relay.start().getFirst();
        }
        client = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        out = ByteBuffer.allocateDirect(payload);
        in = ByteBuffer.allocateDirect(payload);
        for (int i = 0; i < payload; i++) {
            out.put(i, (byte) i);
        }
    }

    @Benchmark
    public int roundTrip() throws IOException {
        out.clear();
        while (out.hasRemaining()) {
            client.write(out);
        }
        in.clear();
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                throw new IOException("connection closed");
            }
        }
        return in.get(payload - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        client.close();
        if (relay != null) {
            relay.close();
        }
        echo.close();
    }
}
