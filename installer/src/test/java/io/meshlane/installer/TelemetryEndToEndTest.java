package io.meshlane.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.lab.http.HttpLoads;
import io.meshlane.lab.http.LatencySummary;
import io.meshlane.lab.node.NodeLab;
import io.meshlane.lab.spec.LabSpec;
import io.meshlane.lab.spec.PodFile;
import io.meshlane.lab.spec.TelemetrySpec;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance loop of hosted telemetry on the real kernel: a lab chain of three instrumented
 * services behind eBPF-redirected sidecars exports OTLP to mesh-control; under load, the control
 * plane's topology has the chain's three edges, its p99 for the client's edge matches the
 * client's own HdrHistogram within 5%, and the requests slowed by the injected delay are found by
 * trace search with their whole trace.
 */
class TelemetryEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LAB = "tele2e";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path data;

    @Test
    void aChainOfThreeServicesUnderLoadShowsItsEdgesItsTailAndItsSlowTraces() throws Exception {
        NodeLab.down(LAB);
        try (ControlPlane plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(data).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster("lab").withPorts(TelemetryOptions.OFF, 0).withOtlpInsecureLoopback(true)))) {
            LabSpec spec = chainLab().withName(LAB)
                    .withTelemetry(TelemetrySpec.http("http://127.0.0.1:" + plane.telemetry().otlpHttpPort()));
            try (NodeLab lab = NodeLab.up(spec)) {
                LatencySummary client = HttpLoads.run(lab, "bookinfo/client-0", "productpage", 9080, "/productpage", 50,
                        Duration.ofSeconds(20));
                assertEquals(0, client.errors(), "the chain answered every request: " + client);
                System.out.println("client-side HdrHistogram: " + client);

                String clientEdge = "lab/bookinfo/e2e-client->lab/bookinfo/productpage";
                JsonNode topology = awaitTopology(plane, clientEdge, client.count());

                Set<String> requestEdges = new TreeSet<>();
                topology.path("edges").forEach(e -> {
                    if (e.path("requests").asLong() > 0) {
                        requestEdges.add(e.path("id").asText());
                    }
                });
                assertEquals(Set.of(clientEdge, "lab/bookinfo/productpage->lab/bookinfo/reviews",
                        "lab/bookinfo/reviews->lab/bookinfo/ratings"), requestEdges, "the chain's edges: " + topology);

                JsonNode edge = edge(topology, clientEdge);
                double serverP99 = edge.path("p99Ms").asDouble();
                double clientP99 = client.p99Micros() / 1000.0;
                System.out.printf("p99 of %s: control plane %.2f ms, client HdrHistogram %.2f ms (%.2f%%)%n", clientEdge, serverP99,
                        clientP99, 100 * (serverP99 - clientP99) / clientP99);
                assertEquals(clientP99, serverP99, clientP99 * 0.05, "control-plane p99 within 5% of the client's: " + edge);

                // every 20th request to reviews was slowed by 150 ms; each service exports on its own 1 s schedule
                int slowRequests = (int) (client.count() / 20) - 1;
                JsonNode slow = get(plane, "/telemetry/v1/traces?service=reviews&minDurationMs=150&limit=1000");
                for (long deadline = System.nanoTime() + WAIT.toNanos(); slow.path("traces").size() < slowRequests
                        && System.nanoTime() < deadline; ) {
                    Thread.sleep(500);
                    slow = get(plane, "/telemetry/v1/traces?service=reviews&minDurationMs=150&limit=1000");
                }
                assertTrue(slow.path("traces").size() >= slowRequests,
                        "every 20th request to reviews was slowed by 150 ms; found: " + slow.path("traces").size());
                slow.path("traces").forEach(t -> assertTrue(t.path("durationMs").asDouble() >= 150, "slow trace: " + t));
                // the oldest slow trace: its spans from every service have had the most time to arrive
                String traceId = slow.path("traces").path(slow.path("traces").size() - 1).path("traceId").asText();
                JsonNode waterfall = get(plane, "/telemetry/v1/traces/" + traceId);
                Set<String> services = new TreeSet<>();
                boolean slowReviews = false;
                for (JsonNode s : waterfall.path("spans")) {
                    services.add(s.path("service").asText());
                    slowReviews |= s.path("service").asText().equals("reviews") && s.path("kind").asText().equals("SERVER")
                            && s.path("durationMs").asDouble() >= 150;
                }
                assertEquals(Set.of("e2e-client", "productpage", "reviews", "ratings"), services, "whole trace: " + waterfall);
                assertTrue(slowReviews, "the waterfall shows reviews' injected delay: " + waterfall);
            }
        } finally {
            NodeLab.down(LAB);
        }
    }

    /** The instrumented productpage → reviews → ratings chain with a load pod of its own (client-0). */
    static LabSpec chainLab() throws Exception {
        Path file = Files.createTempFile("telemetry-chain", ".yaml");
        try (InputStream in = TelemetryEndToEndTest.class.getResourceAsStream("telemetry-chain.yaml")) {
            Files.write(file, in.readAllBytes());
            return PodFile.read(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Exports are asynchronous (1 s batches): waits until the control plane holds every measured request. */
    private static JsonNode awaitTopology(ControlPlane plane, String edgeId, long requests) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode topology = null;
        while (System.nanoTime() < deadline) {
            topology = get(plane, "/telemetry/v1/topology?window=5m");
            JsonNode edge = find(topology, edgeId);
            if (edge != null && edge.path("requests").asLong() >= requests) {
                assertEquals(requests, edge.path("requests").asLong(), "no request counted twice: " + edge);
                return topology;
            }
            Thread.sleep(500);
        }
        fail("the control plane did not see " + requests + " requests on " + edgeId + " within " + WAIT.toSeconds() + " s: " + topology);
        return topology;
    }

    private static JsonNode edge(JsonNode topology, String id) {
        JsonNode edge = find(topology, id);
        assertFalse(edge == null, "edge " + id + " in " + topology);
        return edge;
    }

    private static JsonNode find(JsonNode topology, String id) {
        for (JsonNode e : topology.path("edges")) {
            if (e.path("id").asText().equals(id)) {
                return e;
            }
        }
        return null;
    }

    private static JsonNode get(ControlPlane plane, String path) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().sslContext(trusting(plane.caCertificate())).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(plane.url() + path))
                    .header("Authorization", "Bearer " + plane.token()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), path + ": " + response.body());
            return JSON.readTree(response.body());
        }
    }

    private static SSLContext trusting(Path ca) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
