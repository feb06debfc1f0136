package io.meshlane.control.identity;

import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.meshlane.control.security.TlsMaterial;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Node identity on the agents' endpoint, as one unit: the TLS the endpoint serves (mesh-control's
 * serving certificate; client certificates optional at the handshake so that a joining agent can
 * connect, and checked to chain to the CA when shown), the interceptor that demands a valid,
 * unrevoked node certificate on every call but Join, and the enrollment service.
 */
public final class NodeTrust implements AutoCloseable {

    private final TlsMaterial tls;
    private final NodeCa ca;
    private final JoinTokens tokens;
    private final Revocations revocations;
    private final IdentityOptions options;

    private NodeTrust(TlsMaterial tls, NodeCa ca, JoinTokens tokens, Revocations revocations, IdentityOptions options) {
        this.tls = tls;
        this.ca = ca;
        this.tokens = tokens;
        this.revocations = revocations;
        this.options = options;
    }

    /** Node identity of a single control plane whose records are files in {@code dataDir}. */
    public static NodeTrust open(Path dataDir, TlsMaterial tls, IdentityOptions options) {
        return open(IdentityRecords.of(dataDir, Optional.empty()), tls, options);
    }

    public static NodeTrust open(IdentityRecords records, TlsMaterial tls, IdentityOptions options) {
        return new NodeTrust(tls, NodeCa.load(tls.caCertificate(), options.trustDomain()), records.tokens(),
                records.revocations(), options);
    }

    /** The authenticated node of the current gRPC call. */
    public static Optional<NodeCaller> caller() {
        return NodeAuthentication.caller();
    }

    public SslContext serverTls() {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManagers("the agents' endpoint")))
                    .trustManager(ca.trusted().toArray(java.security.cert.X509Certificate[]::new)).clientAuth(ClientAuth.OPTIONAL).build();
        } catch (IOException e) {
            throw new IllegalStateException("cannot set up TLS for the agents' endpoint from " + tls.keyStore() + ": " + e.getMessage(), e);
        }
    }

    public ServerInterceptor authentication() {
        return new NodeAuthentication(options.trustDomain(), revocations);
    }

    /** Lets through only callers with a workload certificate (xDS on the same port as the agents' services). */
    public ServerInterceptor workloadAuthentication() {
        return new WorkloadAuthentication(options.trustDomain());
    }

    public BindableService enrollment() {
        return new EnrollmentService(ca, tokens, options.certificateLifetime());
    }

    /** Calls {@code listener} for every revocation recorded from now on, so open streams of that node can be ended. */
    public void onRevocation(Consumer<Revocations.Revocation> listener) {
        revocations.follow(listener);
    }

    @Override
    public void close() {
        revocations.close();
    }
}
