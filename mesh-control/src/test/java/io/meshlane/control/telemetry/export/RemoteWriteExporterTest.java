package io.meshlane.control.telemetry.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

/**
 * Remote-writes to a real HTTP endpoint that checks the protocol's headers, snappy-decodes the body and
 * decodes the WriteRequest with protobuf's own wire reader (no Prometheus runs here, so this endpoint
 * stands in for its /api/v1/write).
 */
class RemoteWriteExporterTest {
    record Decoded(Map<String, String> labels, double value, long timestamp) {
    }

    private final List<List<Decoded>> requests = new CopyOnWriteArrayList<>();
    private final List<String> headerProblems = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresToServe = new AtomicInteger();
    private volatile int failureStatus = 503;
    private HttpServer server;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/write", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            check(ex.getRequestHeaders().getFirst("Content-Encoding"), "snappy");
            check(ex.getRequestHeaders().getFirst("Content-Type"), "application/x-protobuf");
            check(ex.getRequestHeaders().getFirst("X-Prometheus-Remote-Write-Version"), "0.1.0");
            if (failuresToServe.getAndDecrement() > 0) {
                ex.sendResponseHeaders(failureStatus, -1);
                ex.close();
                return;
            }
            requests.add(decode(Snappy.uncompress(body)));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void check(String got, String want) {
        if (!want.equals(got)) {
            headerProblems.add("expected " + want + ", got " + got);
        }
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/write");
    }

    static List<Decoded> decode(byte[] writeRequest) throws IOException {
        List<Decoded> out = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(writeRequest);
        for (int tag; (tag = in.readTag()) != 0; ) {
            assertEquals((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED, tag, "WriteRequest.timeseries");
            CodedInputStream ts = CodedInputStream.newInstance(in.readByteArray());
            Map<String, String> labels = new LinkedHashMap<>();
            double value = Double.NaN;
            long timestamp = -1;
            for (int t; (t = ts.readTag()) != 0; ) {
                CodedInputStream sub = CodedInputStream.newInstance(ts.readByteArray());
                if (WireFormat.getTagFieldNumber(t) == 1) {
                    String name = null;
                    String val = null;
                    for (int lt; (lt = sub.readTag()) != 0; ) {
                        if (WireFormat.getTagFieldNumber(lt) == 1) {
                            name = sub.readString();
                        } else {
                            val = sub.readString();
                        }
                    }
                    labels.put(name, val);
                } else {
                    for (int st; (st = sub.readTag()) != 0; ) {
                        if (WireFormat.getTagFieldNumber(st) == 1) {
                            value = sub.readDouble();
                        } else {
                            timestamp = sub.readInt64();
                        }
                    }
                }
            }
            out.add(new Decoded(labels, value, timestamp));
        }
        return out;
    }

    @Test
    void seriesArriveWithSortedLabelsValuesAndTimestamps() throws Exception {
        List<RemoteSeries> series = List.of(
                new RemoteSeries("istio_requests_total", Map.of("source_workload", "productpage-v1", "destination_workload", "reviews-v1",
                        "response_code", "200", "cluster", "east"), 1234, 1_700_000_000_000L),
                new RemoteSeries("meshlane_request_duration_p99_ms", Map.of("destination_workload", "reviews-v1", "bad-label.name", "x"),
                        87.5, 1_700_000_000_001L));
        try (RemoteWriteExporter rw = RemoteWriteExporter.start(RemoteWriteOptions.to(endpoint()).withInterval(Duration.ofHours(1)),
                () -> series)) {
            rw.snapshot();
            OtlpGrpcForwarderTest.await(() -> rw.stats().sentRequests() == 1, "one request");

            assertEquals(List.of(), headerProblems);
            List<Decoded> got = requests.getFirst();
            assertEquals(2, got.size());
            assertEquals(List.of("__name__", "cluster", "destination_workload", "response_code", "source_workload"),
                    List.copyOf(got.get(0).labels().keySet()), "sorted, with __name__");
            assertEquals("istio_requests_total", got.get(0).labels().get("__name__"));
            assertEquals("productpage-v1", got.get(0).labels().get("source_workload"));
            assertEquals(1234, got.get(0).value());
            assertEquals(1_700_000_000_000L, got.get(0).timestamp());
            assertEquals("x", got.get(1).labels().get("bad_label_name"), "invalid label characters become '_'");
            assertEquals(87.5, got.get(1).value());
            assertEquals(2, rw.stats().sentItems());
        }
    }

    @Test
    void largeSnapshotsAreSplitIntoRequests() throws Exception {
        List<RemoteSeries> series = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            series.add(new RemoteSeries("meshlane_requests_total", Map.of("service", "svc" + i), i, 1000L + i));
        }
        try (RemoteWriteExporter rw = RemoteWriteExporter.start(RemoteWriteOptions.to(endpoint()).withInterval(Duration.ofHours(1))
                .withLimits(100, 10, 3, Duration.ofMillis(10), Duration.ofSeconds(5)), () -> series)) {
            rw.snapshot();
            OtlpGrpcForwarderTest.await(() -> rw.stats().sentItems() == 250, "250 series");
            assertEquals(List.of(100, 100, 50), requests.stream().map(List::size).toList());
            assertEquals("svc249", requests.get(2).get(49).labels().get("service"));
            assertEquals(249.0, requests.get(2).get(49).value());
        }
    }

    @Test
    void serverErrorsAreRetriedAndClientErrorsDropped() throws Exception {
        List<RemoteSeries> one = List.of(new RemoteSeries("up", Map.of(), 1, 1));
        try (RemoteWriteExporter rw = RemoteWriteExporter.start(RemoteWriteOptions.to(endpoint()).withInterval(Duration.ofHours(1))
                .withLimits(100, 10, 5, Duration.ofMillis(10), Duration.ofSeconds(5)), () -> one)) {
            failuresToServe.set(2);
            rw.snapshot();
            OtlpGrpcForwarderTest.await(() -> rw.stats().sentRequests() == 1, "delivery after two 503s");
            assertEquals(2, rw.stats().retries());

            failureStatus = 400;
            failuresToServe.set(1);
            rw.snapshot();
            OtlpGrpcForwarderTest.await(() -> rw.stats().droppedRequests() == 1, "a 400 dropped");
            assertEquals(2, rw.stats().retries(), "a 400 is not retried");
            assertEquals(1, requests.size());
        }
    }

    @Test
    void aDeadEndpointCountsDropsAndNeverBlocksTheSnapshot() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<RemoteSeries> one = List.of(new RemoteSeries("up", Map.of(), 1, 1));
        try (RemoteWriteExporter rw = RemoteWriteExporter.start(RemoteWriteOptions.to(URI.create("http://127.0.0.1:" + port + "/api/v1/write"))
                .withInterval(Duration.ofHours(1)).withLimits(100, 3, 2, Duration.ofMillis(10), Duration.ofSeconds(2)), () -> one)) {
            for (int i = 0; i < 50; i++) {
                rw.snapshot(); // returns at once: the queue takes 3, the rest is dropped
            }
            OtlpGrpcForwarderTest.await(() -> rw.stats().droppedRequests() == 50, "all 50 dropped");
            assertEquals(0, rw.stats().sentRequests());
            assertTrue(rw.stats().retries() >= 1);
        }
    }
}
