package io.meshlane.control.telemetry.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.telemetry.otlp.OtlpSamples;
import io.meshlane.control.telemetry.store.TraceQuery;
import io.meshlane.control.testing.TempDirs;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

/**
 * The exporters as `meshlane control --otlp-forward … --remote-write …` runs them: OTLP accepted
 * by one control plane reaches the collector behind it (here a second control plane's OTLP/gRPC
 * receiver), and the aggregated RED arrives at a remote-write endpoint with Istio's labels.
 */
class ExportWiringTest {

    @Test
    void acceptedSpansAreForwardedAndRedIsRemoteWritten() throws Exception {
        List<List<RemoteWriteExporterTest.Decoded>> written = new CopyOnWriteArrayList<>();
        HttpServer prometheus = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        prometheus.createContext("/api/v1/write", ex -> {
            written.add(RemoteWriteExporterTest.decode(Snappy.uncompress(ex.getRequestBody().readAllBytes())));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        prometheus.start();
        Path collectorDir = Files.createTempDirectory("meshlane-collector");
        Path edgeDir = Files.createTempDirectory("meshlane-edge");
        try (ControlPlane collector = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(collectorDir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster("central").withPorts(0, TelemetryOptions.OFF).withOtlpInsecureLoopback(true)));
             ControlPlane edge = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(edgeDir).withListen("127.0.0.1", 0)
                     .withTelemetry(TelemetryOptions.defaults().withCluster("edge").withPorts(TelemetryOptions.OFF, 0).withOtlpInsecureLoopback(true)
                             .withExport("127.0.0.1:" + collector.telemetry().otlpGrpcPort(),
                                     URI.create("http://127.0.0.1:" + prometheus.getAddress().getPort() + "/api/v1/write"))
                             .withRemoteWriteInterval(Duration.ofMillis(500))))) {
            long now = System.currentTimeMillis() * 1_000_000L;
            ExportTraceServiceRequest spans = OtlpSamples.traces(new Random(3), 40, now - 1_000_000_000L);
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + edge.telemetry().otlpHttpPort() + "/v1/traces"))
                        .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(spans.toByteArray()))
                        .build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, answer.statusCode());
            }
            TraceQuery all = new TraceQuery("", "", 0, false, Instant.now().minusSeconds(3600), Instant.now().plusSeconds(60), 1000);
            // forwarding is asynchronous: wait until the collector holds as many traces as the edge plane
            OtlpGrpcForwarderTest.await(() -> collector.telemetry().store().searchTraces(all).size()
                    >= edge.telemetry().store().searchTraces(all).size(), "forwarded traces at the collector");
            assertEquals(edge.telemetry().store().searchTraces(all).size(), collector.telemetry().store().searchTraces(all).size(),
                    "every trace the edge plane holds reached the collector");

            OtlpGrpcForwarderTest.await(() -> written.stream().flatMap(List::stream)
                    .anyMatch(d -> "meshlane_edge_requests_per_second".equals(d.labels().get("__name__"))), "remote-written RED");
            RemoteWriteExporterTest.Decoded rps = written.stream().flatMap(List::stream)
                    .filter(d -> "meshlane_edge_requests_per_second".equals(d.labels().get("__name__"))).findFirst().orElseThrow();
            assertTrue(rps.value() > 0, "a rate: " + rps);
            assertTrue(rps.labels().containsKey("source_canonical_service") && rps.labels().containsKey("destination_canonical_service"),
                    "Istio's label names: " + rps.labels());
        } finally {
            prometheus.stop(0);
            TempDirs.delete(collectorDir);
            TempDirs.delete(edgeDir);
        }
    }
}
