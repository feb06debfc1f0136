package io.meshlane.control.telemetry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.api.Json;
import io.meshlane.control.api.ResourceService;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.security.AccessPolicy;
import io.meshlane.control.telemetry.federation.Federation;
import io.meshlane.control.telemetry.federation.FederationPeer;
import io.meshlane.control.telemetry.http.TelemetryRoutes;
import io.meshlane.control.telemetry.otlp.IngestStats;
import io.meshlane.control.telemetry.otlp.OtlpReceiverOptions;
import io.meshlane.control.telemetry.otlp.OtlpReceivers;
import io.meshlane.control.telemetry.store.TelemetryConfig;
import io.meshlane.control.telemetry.store.TelemetryStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The control plane's hosted telemetry, opened as one object: the store, the OTLP receivers that
 * fill it, the federation peers that join its views, and the routes that answer the JSON API.
 * Closing it stops the receivers first, so nothing is accepted into a closed store.
 */
public final class Telemetry implements AutoCloseable {

    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);

    private final TelemetryStore store;
    private final OtlpReceivers receivers;
    private final TelemetryRoutes routes;
    private final Deque<AutoCloseable> closing;

    private Telemetry(TelemetryStore store, OtlpReceivers receivers, TelemetryRoutes routes, Deque<AutoCloseable> closing) {
        this.store = store;
        this.receivers = receivers;
        this.routes = routes;
        this.closing = closing;
    }

    public static Telemetry start(TelemetryOptions options, String host, AccessPolicy access, ResourceService resources,
                                  KindRegistry registry) {
        Deque<AutoCloseable> closing = new ArrayDeque<>();
        try {
            TelemetryStore store = new TelemetryStore(new TelemetryConfig(options.memoryBudgetBytes(), options.maxSeries(),
                    Duration.ofSeconds(10), options.cluster()), Clock.systemUTC());
            closing.push(store);
            Federation federation = new Federation(options.peers().stream().map(FederationPeer::fromKubeconfig).toList(), PEER_TIMEOUT);
            OtlpReceivers receivers = OtlpReceivers.start(new OtlpReceiverOptions(host, options.otlpGrpcPort(), options.otlpHttpPort(),
                    options.maxOtlpMessageBytes(), "", options.maxSeries()), store::accept, null);
            closing.push(receivers);
            TelemetryRoutes routes = new TelemetryRoutes(store, federation, access, resources, registry,
                    () -> ingestStatus(receivers.stats()));
            return new Telemetry(store, receivers, routes, closing);
        } catch (RuntimeException e) {
            closeAll(closing);
            throw e;
        }
    }

    private static ObjectNode ingestStatus(IngestStats s) {
        return Json.MAPPER.valueToTree(s);
    }

    public TelemetryStore store() {
        return store;
    }

    public TelemetryRoutes routes() {
        return routes;
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
