package io.meshlane.agent.stats;

import io.meshlane.agent.datapath.Datapath;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The agent's {@code /metrics} endpoint (Prometheus text). */
public final class MetricsServer implements AutoCloseable {

    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    public static MetricsServer start(String host, int port, Datapath datapath) {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new DatapathCollector(datapath));
        try {
            return new MetricsServer(HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port
                    + " (port in use? pass --metrics-port)", e);
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
