package io.meshlane.control.identity;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meshlane.api.agent.v1.NodeEnrollmentGrpc;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Every call on the agents' endpoint but {@code Join} needs a node certificate: the TLS layer
 * has checked it chains to mesh-control's CA; here it must be current, name a node in our trust
 * domain and not be revoked. The node it names is then {@link #caller()} for the service.
 */
final class NodeAuthentication implements ServerInterceptor {

    private static final Logger LOG = Logger.getLogger(NodeAuthentication.class.getName());
    private static final Context.Key<NodeCaller> CALLER = Context.key("meshlane-node-caller");

    private final String trustDomain;
    private final Revocations revocations;

    NodeAuthentication(String trustDomain, Revocations revocations) {
        this.trustDomain = trustDomain;
        this.revocations = revocations;
    }

    /** The authenticated node of the current call; present in every call this interceptor let through but Join. */
    static Optional<NodeCaller> caller() {
        return Optional.ofNullable(CALLER.get());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getFullMethodName().equals(NodeEnrollmentGrpc.getJoinMethod().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        Optional<X509Certificate> certificate = peerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (certificate.isEmpty()) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription("no node certificate: an agent first joins with a join token"
                    + " (meshlane control token create --cluster C; agent flag --join-token-file) and then calls with the certificate it got"));
        }
        X509Certificate cert = certificate.get();
        Instant now = Instant.now();
        if (now.isAfter(cert.getNotAfter().toInstant()) || now.isBefore(cert.getNotBefore().toInstant())) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription("the node certificate is valid from " + cert.getNotBefore().toInstant()
                    + " to " + cert.getNotAfter().toInstant() + ", not now: the agent renews before expiry; join again with a new token"));
        }
        Optional<NodeId> id = NodeId.of(cert, trustDomain);
        if (id.isEmpty()) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription("the client certificate names no node of trust domain " + trustDomain
                    + " (expected a URI SAN spiffe://" + trustDomain + "/cluster/<cluster>/node/<node>)"));
        }
        NodeCaller caller = NodeCaller.of(id.get(), cert);
        if (revocations.refuses(caller)) {
            LOG.warning("refused a call from revoked node " + caller.id() + " (" + call.getMethodDescriptor().getBareMethodName() + ")");
            return refuse(call, Status.PERMISSION_DENIED.withDescription("node " + caller.id() + " is revoked"
                    + " (meshlane control node revoke); it may join again only with a new join token"));
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
    }

    static Optional<X509Certificate> peerCertificate(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? Optional.of(x) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
