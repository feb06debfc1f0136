package io.meshlane.lab.relay;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Istio's TCP counters from per-connection fields: live connections count, closing neither loses nor doubles bytes. */
class RelayTelemetryTest {
    private final List<MetricData> exported = new CopyOnWriteArrayList<>();
    private SdkMeterProvider meters;
    private RelayTelemetry telemetry;
    private final PeerWorkload self = new PeerWorkload("bookinfo", "productpage", "productpage");

    @BeforeEach
    void setUp() throws Exception {
        MetricExporter collect = new MetricExporter() {
            @Override
            public CompletableResultCode export(Collection<MetricData> metrics) {
                exported.clear();
                exported.addAll(metrics);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public AggregationTemporality getAggregationTemporality(InstrumentType type) {
                return AggregationTemporality.CUMULATIVE;
            }

            @Override
            public MemoryMode getMemoryMode() {
                return MemoryMode.IMMUTABLE_DATA;
            }
        };
        meters = SdkMeterProvider.builder().registerMetricReader(PeriodicMetricReader.builder(collect)
                .setInterval(java.time.Duration.ofHours(1)).build()).build();
        PeerDirectory peers = new PeerDirectory(Map.of(
                "10.244.0.3", new PeerWorkload("bookinfo", "reviews", "reviews"),
                "10.244.0.9", new PeerWorkload("shop", "client", "client"),
                "127.0.0.1", new PeerWorkload("shop", "echo", "echo")));
        telemetry = new RelayTelemetry(meters.get("test"), self, peers, "lab");
    }

    @AfterEach
    void tearDown() {
        meters.close();
    }

    private long value(String metric, String reporter, String sourceWorkload, String destinationWorkload) {
        meters.forceFlush().join(5, java.util.concurrent.TimeUnit.SECONDS);
        return exported.stream().filter(m -> m.getName().equals(metric))
                .flatMap(m -> m.getLongSumData().getPoints().stream())
                .filter(p -> reporter.equals(attr(p, "reporter")) && sourceWorkload.equals(attr(p, "source_workload"))
                        && destinationWorkload.equals(attr(p, "destination_workload")))
                .mapToLong(LongPointData::getValue).sum();
    }

    private static String attr(LongPointData p, String key) {
        return p.getAttributes().get(AttributeKey.stringKey(key));
    }

    @Test
    void outboundBytesCountWhileLiveAndStayAfterClose() throws Exception {
        ConnectionStats c = telemetry.open(true, InetAddress.getByName("10.244.0.3"));
        c.request(100);
        c.response(40);
        c.request(23);
        assertEquals(123, value(RelayTelemetry.RECEIVED, "source", "productpage", "reviews"), "live request bytes");
        assertEquals(40, value(RelayTelemetry.SENT, "source", "productpage", "reviews"), "live response bytes");
        assertEquals(1, value(RelayTelemetry.OPENED, "source", "productpage", "reviews"));
        assertEquals(0, value(RelayTelemetry.CLOSED, "source", "productpage", "reviews"));
        telemetry.close(c);
        telemetry.close(c);
        assertEquals(123, value(RelayTelemetry.RECEIVED, "source", "productpage", "reviews"), "moved to closed, not doubled");
        assertEquals(40, value(RelayTelemetry.SENT, "source", "productpage", "reviews"));
        assertEquals(1, value(RelayTelemetry.CLOSED, "source", "productpage", "reviews"), "closing twice counts once");
        ConnectionStats d = telemetry.open(true, InetAddress.getByName("10.244.0.3"));
        d.request(7);
        assertEquals(130, value(RelayTelemetry.RECEIVED, "source", "productpage", "reviews"), "closed + live");
        assertEquals(2, value(RelayTelemetry.OPENED, "source", "productpage", "reviews"));
    }

    @Test
    void inboundIsReportedByTheDestinationWithThePeerAsSource() throws Exception {
        ConnectionStats c = telemetry.open(false, InetAddress.getByName("10.244.0.9"));
        c.request(5);
        assertEquals(5, value(RelayTelemetry.RECEIVED, "destination", "client", "productpage"));
        ConnectionStats u = telemetry.open(false, InetAddress.getByName("10.244.7.7"));
        u.request(9);
        assertEquals(9, value(RelayTelemetry.RECEIVED, "destination", "unknown", "productpage"), "unknown peers as Istio names them");
    }

    @Test
    void aRelayWithTelemetryCountsEveryRelayedByteOfAConnectionInBothDirections() throws Exception {
        byte[] request = new byte[300_000];
        new java.util.Random(7).nextBytes(request);
        try (io.meshlane.lab.app.EchoServer echo = new io.meshlane.lab.app.EchoServer(new java.net.InetSocketAddress("127.0.0.1", 0));
             SidecarRelay relay = new SidecarRelay(new FixedDestination(new java.net.InetSocketAddress("127.0.0.1", echo.port())),
                     List.of(RelayListener.outbound(0)), 1, line -> { }, telemetry)) {
            int port = relay.start().getFirst();
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                socket.setSoTimeout(10_000);
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        socket.getOutputStream().write(request);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                byte[] echoed = socket.getInputStream().readNBytes(request.length);
                writer.join();
                org.junit.jupiter.api.Assertions.assertArrayEquals(request, echoed, "bytes intact through the relay");
                assertEquals(request.length, value(RelayTelemetry.RECEIVED, "source", "productpage", "echo"), "live request bytes");
                assertEquals(request.length, value(RelayTelemetry.SENT, "source", "productpage", "echo"), "live response bytes");
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (value(RelayTelemetry.CLOSED, "source", "productpage", "echo") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, value(RelayTelemetry.OPENED, "source", "productpage", "echo"));
            assertEquals(1, value(RelayTelemetry.CLOSED, "source", "productpage", "echo"), "the client's close ends the connection");
            assertEquals(request.length, value(RelayTelemetry.RECEIVED, "source", "productpage", "echo"), "closed, not lost or doubled");
            assertEquals(request.length, value(RelayTelemetry.SENT, "source", "productpage", "echo"));
        }
    }
}
