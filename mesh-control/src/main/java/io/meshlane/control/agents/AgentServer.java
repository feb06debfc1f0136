package io.meshlane.control.agents;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.control.grpc.MalformedRequests;
import io.meshlane.control.identity.NodeTrust;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.xds.XdsServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's one mTLS port, 15012 by default: node agents (mesh-api AgentControl and NodeEnrollment,
 * node certificates) and, beside them, workloads' xDS clients (ADS, workload certificates). The kind of
 * client certificate decides which services a caller may use.
 */
public final class AgentServer implements AutoCloseable {

    public static final int DEFAULT_PORT = 15012;

    private final AgentControlService service;
    private final NodeTrust trust;
    private final Server server;

    private AgentServer(AgentControlService service, NodeTrust trust, Server server) {
        this.service = service;
        this.trust = trust;
        this.server = server;
    }

    /** Serves on {@code host:port} over TLS with {@code trust}'s node identities; the server owns {@code trust} from here on. */
    public static AgentServer start(ResourceStore store, NodeTrust trust, String host, int port) {
        return start(store, trust, host, port, null);
    }

    /** As {@link #start(ResourceStore, NodeTrust, String, int)}, also serving {@code xds} (ADS) to callers with a workload certificate. */
    public static AgentServer start(ResourceStore store, NodeTrust trust, String host, int port, BindableService xds) {
        AgentControlService service = new AgentControlService(store);
        try {
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port)).sslContext(trust.serverTls());
            // the same gRPC limits as ADS whether or not ADS shares the port: a report or CSR is far below 4 MiB
            XdsServer.limit(builder);
            if (xds != null) {
                builder.addService(ServerInterceptors.intercept(xds, trust.workloadAuthentication()));
            }
            Server server = builder
                    .addService(ServerInterceptors.intercept(MalformedRequests.refused(service.bindService()), trust.authentication()))
                    .addService(ServerInterceptors.intercept(MalformedRequests.refused(trust.enrollment().bindService()),
                            trust.authentication()))
                    .build().start();
            trust.onRevocation(service::revoke);
            return new AgentServer(service, trust, server);
        } catch (IOException e) {
            service.close();
            trust.close();
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
        trust.close();
        service.close();
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
