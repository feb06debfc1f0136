package io.meshlane.control.agents;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.control.store.ResourceStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The gRPC endpoint node agents connect to (mesh-api AgentControl), 15012 by default. */
public final class AgentServer implements AutoCloseable {

    public static final int DEFAULT_PORT = 15012;

    private final AgentControlService service;
    private final Server server;

    private AgentServer(AgentControlService service, Server server) {
        this.service = service;
        this.server = server;
    }

    public static AgentServer start(ResourceStore store, String host, int port) {
        AgentControlService service = new AgentControlService(store);
        try {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port)).addService(service).build().start();
            return new AgentServer(service, server);
        } catch (IOException e) {
            service.close();
            throw new UncheckedIOException("cannot serve agents on " + host + ":" + port + " (port in use?)", e);
        }
    }

    public int port() {
        return server.getPort();
    }

    public Map<String, NodeStats> latestReports() {
        return service.latestReports();
    }

    public int connectedAgents() {
        return service.connectedAgents();
    }

    @Override
    public void close() {
        service.close();
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
