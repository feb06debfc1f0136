package io.meshlane.agent.service;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshlane.api.agent.v1.AgentControlGrpc;
import io.meshlane.api.agent.v1.NodeIdentity;
import io.meshlane.api.agent.v1.NodePolicy;
import io.meshlane.api.agent.v1.NodeStats;
import io.meshlane.api.agent.v1.ReportAck;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The other end of the agent link for agent tests: a real gRPC server on loopback speaking
 * the mesh-api contract, which a test drives by hand (mesh-control's own implementation is
 * tested in that module).
 */
final class FakeControlPlane implements AutoCloseable {

    private final List<StreamObserver<NodePolicy>> watchers = new CopyOnWriteArrayList<>();
    private final List<NodeStats> reports = new CopyOnWriteArrayList<>();
    private final AtomicReference<NodePolicy> current = new AtomicReference<>();
    private final int port;
    private Server server;

    FakeControlPlane(int port) throws IOException {
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).addService(new Service()).build().start();
        this.port = server.getPort();
    }

    String target() {
        return "127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    void push(NodePolicy policy) {
        current.set(policy);
        watchers.forEach(w -> w.onNext(policy));
    }

    List<NodeStats> reports() {
        return List.copyOf(reports);
    }

    int watchers() {
        return watchers.size();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        watchers.clear();
    }

    private final class Service extends AgentControlGrpc.AgentControlImplBase {
        @Override
        public void watchPolicy(NodeIdentity request, StreamObserver<NodePolicy> observer) {
            watchers.add(observer);
            NodePolicy now = current.get();
            if (now != null) {
                observer.onNext(now);
            }
        }

        @Override
        public void reportStats(NodeStats request, StreamObserver<ReportAck> observer) {
            reports.add(request);
            observer.onNext(ReportAck.getDefaultInstance());
            observer.onCompleted();
        }
    }
}
