package io.meshlane.control.telemetry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.http.Json;
import io.meshlane.control.identity.TelemetryCredentials;
import io.meshlane.control.api.ResourceService;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.security.AccessPolicy;
import io.meshlane.control.telemetry.federation.Federation;
import io.meshlane.control.telemetry.federation.FederationPeer;
import io.meshlane.control.telemetry.http.MetricsRoutes;
import io.meshlane.control.telemetry.http.TelemetryRoutes;
import io.meshlane.control.telemetry.export.ForwarderOptions;
import io.meshlane.control.telemetry.export.OtlpGrpcForwarder;
import io.meshlane.control.telemetry.export.RedSeries;
import io.meshlane.control.telemetry.export.RemoteWriteExporter;
import io.meshlane.control.telemetry.export.RemoteWriteOptions;
import io.meshlane.control.telemetry.scrape.PrometheusScraper;
import io.meshlane.control.telemetry.otlp.OtlpReceiverOptions;
import io.meshlane.control.telemetry.otlp.OtlpReceivers;
import io.meshlane.control.telemetry.store.TelemetryConfig;
import io.meshlane.control.telemetry.store.TelemetryStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The control plane's hosted telemetry, opened as one object: the store, the OTLP receivers and
 * Prometheus scraper that fill it, the exporters that hand data on to real backends, the
 * federation peers that join its views, and the routes that answer the JSON API.
 * Closing it stops the receivers first, so nothing is accepted into a closed store.
 */
public final class Telemetry implements AutoCloseable {

    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);

    private final TelemetryStore store;
    private final OtlpReceivers receivers;
    private final TelemetryRoutes routes;
    private final MetricsRoutes metrics;
    private final Deque<AutoCloseable> closing;

    private Telemetry(TelemetryStore store, OtlpReceivers receivers, TelemetryRoutes routes, MetricsRoutes metrics,
                      Deque<AutoCloseable> closing) {
        this.store = store;
        this.receivers = receivers;
        this.routes = routes;
        this.metrics = metrics;
        this.closing = closing;
    }

    /**
     * {@code credentials}: who may write OTLP (null only with {@link TelemetryOptions#otlpInsecureLoopback()});
     * Prometheus scraping runs only while {@code leads} (one replica of a fleet scrapes each target).
     */
    public static Telemetry start(TelemetryOptions options, String host, TelemetryCredentials credentials, AccessPolicy access,
                                  ResourceService resources, KindRegistry registry, java.util.function.BooleanSupplier leads) {
        Deque<AutoCloseable> closing = new ArrayDeque<>();
        try {
            TelemetryStore store = new TelemetryStore(new TelemetryConfig(options.memoryBudgetBytes(), options.maxSeries(),
                    TelemetryConfig.defaults().bucketWidth(), options.cluster()), Clock.systemUTC());
            closing.push(store);
            Federation federation = new Federation(options.peers().stream().map(FederationPeer::fromKubeconfig).toList(), PEER_TIMEOUT);
            OtlpGrpcForwarder forwarder = options.otlpForward() == null ? null
                    : OtlpGrpcForwarder.start(ForwarderOptions.to(options.otlpForward()));
            if (forwarder != null) {
                closing.push(forwarder);
            }
            OtlpReceivers receivers = OtlpReceivers.start(new OtlpReceiverOptions(host, options.otlpGrpcPort(), options.otlpHttpPort(),
                    options.maxOtlpMessageBytes(), options.otlpInsecureLoopback() ? null : credentials, options.maxSeries()), store::accept, forwarder);
            closing.push(receivers);
            PrometheusScraper scraper = options.scrapeTargets().isEmpty() ? null
                    : PrometheusScraper.start(options.scrapeTargets(), options.scrapeInterval(), store::accept, leads);
            if (scraper != null) {
                closing.push(scraper);
            }
            RemoteWriteExporter remoteWrite = options.remoteWrite() == null ? null
                    : RemoteWriteExporter.start(RemoteWriteOptions.to(options.remoteWrite()).withInterval(options.remoteWriteInterval()),
                            () -> RedSeries.recent(store));
            if (remoteWrite != null) {
                closing.push(remoteWrite);
            }
            TelemetryRoutes routes = new TelemetryRoutes(store, federation, access, resources, registry, () -> {
                ObjectNode status = Json.object();
                status.set("otlp", Json.MAPPER.valueToTree(receivers.stats()));
                status.set("scrape", scraper == null ? null : Json.MAPPER.valueToTree(scraper.stats()));
                status.set("otlpForward", forwarder == null ? null : Json.MAPPER.valueToTree(forwarder.stats()));
                status.set("remoteWrite", remoteWrite == null ? null : Json.MAPPER.valueToTree(remoteWrite.stats()));
                return status;
            });
            return new Telemetry(store, receivers, routes, new MetricsRoutes(store, receivers::stats), closing);
        } catch (RuntimeException e) {
            closeAll(closing);
            throw e;
        }
    }

    public TelemetryStore store() {
        return store;
    }

    public TelemetryRoutes routes() {
        return routes;
    }

    /** {@code /metrics}: telemetry health and the mesh's RED as Prometheus text. */
    public MetricsRoutes metrics() {
        return metrics;
    }

    /** Whether OTLP is served over TLS with credentials (false only with --otlp-insecure-loopback). */
    public boolean otlpSecure() {
        return receivers.secure();
    }

    /** The bound OTLP/gRPC port, -1 when off. */
    public int otlpGrpcPort() {
        return receivers.grpcPort();
    }

    /** The bound OTLP/HTTP port, -1 when off. */
    public int otlpHttpPort() {
        return receivers.httpPort();
    }

    @Override
    public void close() {
        closeAll(closing);
    }

    private static void closeAll(Deque<AutoCloseable> closing) {
        while (!closing.isEmpty()) {
            try {
                closing.pop().close();
            } catch (Exception e) {
                // keep closing the rest; each part logs its own failure
            }
        }
    }
}
