package io.meshlane.control.telemetry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.TelemetryBatch;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Prometheus scrape of the control plane: telemetry health and the mesh's RED, behind the token. */
class MetricsRoutesTest {

    @Test
    void aScrapeShowsTheMeshRedAndTheTelemetryHealthAndNeedsTheToken() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-metrics");
        try (ControlPlane plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster("c1").withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF)))) {
            Peer productpage = new Peer("c1", "bookinfo", "productpage-v1", "productpage");
            Peer reviews = new Peer("c1", "bookinfo", "reviews-v1", "reviews");
            List<RequestSample> samples = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < 60; i++) {
                samples.add(new RequestSample(productpage, reviews, "GET /reviews", i < 6 ? 503 : 200, i < 6, 10_000, now - 1000));
            }
            plane.telemetry().store().accept(new TelemetryBatch(samples, List.of(), List.of(), List.of(), List.of()));

            ApiClient api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
            HttpResponse<String> scrape = api.get("/metrics");
            assertEquals(200, scrape.statusCode(), scrape.body());
            assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    "Prometheus text: " + scrape.headers());
            String text = scrape.body();
            String edge = line(text, "meshlane_edge_error_ratio{");
            assertTrue(edge.contains("source_canonical_service=\"productpage\"") && edge.contains("destination_canonical_service=\"reviews\""),
                    edge);
            assertEquals(0.1, Double.parseDouble(edge.substring(edge.lastIndexOf(' ') + 1)), 1e-9, edge);
            String p99 = line(text, "meshlane_edge_latency_milliseconds{", "quantile=\"0.99\"");
            assertEquals(10.0, Double.parseDouble(p99.substring(p99.lastIndexOf(' ') + 1)), 0.1, p99);
            assertTrue(text.contains("meshlane_telemetry_memory_budget_bytes{kind=\"traces\"}"), text);
            assertTrue(text.contains("meshlane_telemetry_capped_samples_total 0"), text);

            HttpResponse<String> anonymous = api.send(HttpRequest.newBuilder(URI.create(plane.url() + "/metrics")).GET().build());
            assertEquals(401, anonymous.statusCode(), "no token, no metrics: " + anonymous.body());
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static String line(String text, String... parts) {
        for (String l : text.split("\n")) {
            boolean all = true;
            for (String p : parts) {
                all &= l.contains(p);
            }
            if (all && !l.startsWith("#")) {
                return l;
            }
        }
        throw new AssertionError("no line with " + List.of(parts) + " in:\n" + text);
    }
}
