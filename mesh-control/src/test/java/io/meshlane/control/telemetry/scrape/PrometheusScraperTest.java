package io.meshlane.control.telemetry.scrape;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.meshlane.control.telemetry.otlp.CollectingSink;
import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.TcpSample;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Scrapes a real HTTP endpoint serving what an Istio sidecar's /stats/prometheus serves. */
class PrometheusScraperTest {
    private final CollectingSink sink = new CollectingSink();
    private final AtomicInteger round = new AtomicInteger(1);
    private HttpServer server;
    private PrometheusScraper scraper;

    @BeforeEach
    void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/stats/prometheus", ex -> {
            byte[] body = exposition(round.get()).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (scraper != null) {
            scraper.close();
        }
        server.stop(0);
    }

    private URI target() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/stats/prometheus");
    }

    private static String exposition(int n) {
        String l = "reporter=\"destination\",source_workload=\"productpage-v1\",source_workload_namespace=\"bookinfo\","
                + "source_canonical_service=\"productpage\",destination_workload=\"reviews-v1\",destination_workload_namespace=\"bookinfo\","
                + "destination_canonical_service=\"reviews\",response_code=\"%d\"";
        String ok = l.formatted(200);
        String err = l.formatted(503);
        return """
                # TYPE istio_requests_total counter
                istio_requests_total{%1$s} %3$d
                istio_requests_total{%2$s} %4$d
                # TYPE istio_request_duration_milliseconds histogram
                istio_request_duration_milliseconds_bucket{%1$s,le="10"} %5$d
                istio_request_duration_milliseconds_bucket{%1$s,le="100"} %6$d
                istio_request_duration_milliseconds_bucket{%1$s,le="+Inf"} %3$d
                istio_request_duration_milliseconds_sum{%1$s} 1234.5
                istio_request_duration_milliseconds_count{%1$s} %3$d
                # TYPE istio_tcp_sent_bytes_total counter
                istio_tcp_sent_bytes_total{%1$s} %7$d
                # TYPE envoy_server_live gauge
                envoy_server_live 1
                """.formatted(ok, err, 100 * n, 3 * n, 60 * n, 90 * n, 5000 * n);
    }

    @Test
    void istioFamiliesBecomeDeltasBetweenScrapes() {
        scraper = new PrometheusScraper(List.of(target()), Duration.ofSeconds(15), sink, 1000);

        scraper.scrapeAll();
        assertTrue(sink.batches.isEmpty(), "the first scrape is a baseline");
        round.set(3);
        scraper.scrapeAll();

        List<RequestBuckets> buckets = sink.requestBuckets();
        assertEquals(2, buckets.size(), buckets.toString());
        RequestBuckets hist = buckets.stream().filter(b -> b.responseCode() == 200).findFirst().orElseThrow();
        assertArrayEquals(new double[] {10, 100}, hist.upperBoundsMillis());
        assertArrayEquals(new long[] {120, 60, 20}, hist.counts(), "200 new requests, per bucket");
        assertEquals("productpage", hist.source().service());
        assertEquals("reviews-v1", hist.destination().workload());
        RequestBuckets errors = buckets.stream().filter(b -> b.responseCode() == 503).findFirst().orElseThrow();
        assertArrayEquals(new long[] {6}, errors.counts(), "no histogram for the 503 series: counted from istio_requests_total");
        assertTrue(errors.error());
        TcpSample tcp = sink.batches.stream().flatMap(b -> b.tcp().stream()).findFirst().orElseThrow();
        assertEquals(10_000, tcp.sentBytes());
        ScrapeStats s = scraper.stats();
        assertEquals(2, s.scrapes());
        assertEquals(0, s.failedScrapes());
        assertEquals(2 * 9, s.samples());
        assertEquals(2, s.pointsNotUnderstood(), "envoy_server_live, once per scrape");
    }

    @Test
    void deadTargetsAreCountedAndRetriedWithoutStoppingOthers() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + closedPort + "/metrics");
        URI notFound = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/nothing-here");
        scraper = new PrometheusScraper(List.of(dead, notFound, target()), Duration.ofSeconds(1), sink, 1000);

        scraper.scrapeAll();
        round.set(2);
        scraper.scrapeAll();

        ScrapeStats s = scraper.stats();
        assertEquals(6, s.scrapes());
        assertEquals(4, s.failedScrapes());
        assertEquals(2, s.targetsDown());
        assertEquals(1, sink.requestBuckets().stream().filter(b -> b.responseCode() == 200).count(), "the live target still counted");
    }

    @Test
    void garbageFromATargetIsCountedNotFatal() {
        server.createContext("/garbage", ex -> {
            byte[] body = "this is { not prometheus\n\u0000\u0001binary 1 2 3 4\nok_total 5\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        URI garbage = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/garbage");
        scraper = new PrometheusScraper(List.of(garbage), Duration.ofSeconds(1), sink, 1000);

        scraper.scrapeAll();

        assertEquals(2, scraper.stats().badLines());
        assertEquals(1, scraper.stats().samples());
        assertEquals(0, scraper.stats().failedScrapes());
    }

    @Test
    void startedScraperScrapesOnItsInterval() throws Exception {
        scraper = PrometheusScraper.start(List.of(target()), Duration.ofMillis(100), sink);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (scraper.stats().scrapes() < 3 && System.nanoTime() < deadline) {
            round.incrementAndGet();
            Thread.sleep(50);
        }
        assertTrue(scraper.stats().scrapes() >= 3, scraper.stats().toString());
        assertEquals(0, scraper.stats().failedScrapes(), scraper.stats().toString());
        assertTrue(!sink.requestBuckets().isEmpty());
    }
}
