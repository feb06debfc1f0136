package io.meshlane.control.identity;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshlane.api.agent.v1.JoinRequest;
import io.meshlane.api.agent.v1.NodeCertificate;
import io.meshlane.api.agent.v1.NodeEnrollmentGrpc;
import io.meshlane.api.agent.v1.RenewRequest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/** Join (token + CSR → first certificate) and Renew (certificate + CSR → next one), for the node the credential names. */
final class EnrollmentService extends NodeEnrollmentGrpc.NodeEnrollmentImplBase {

    private static final Logger LOG = Logger.getLogger(EnrollmentService.class.getName());

    private final NodeCa ca;
    private final JoinTokens tokens;
    private final Duration lifetime;

    EnrollmentService(NodeCa ca, JoinTokens tokens, Duration lifetime) {
        this.ca = ca;
        this.tokens = tokens;
        this.lifetime = lifetime;
    }

    @Override
    public void join(JoinRequest request, StreamObserver<NodeCertificate> response) {
        SigningRequest csr;
        try {
            NodeId.requireName(request.getNode(), "node");
            csr = SigningRequest.parse(request.getCsr().toByteArray());
        } catch (IllegalArgumentException e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        if (csr.namesAnotherNode(request.getNode())) {
            LOG.warning("refused to join node " + request.getNode() + ": its signing request names node " + csr.commonName().get());
            response.onError(Status.INVALID_ARGUMENT.withDescription("the signing request names node " + csr.commonName().get()
                    + ", the join request node " + request.getNode() + ": an agent asks for its own name only; the token is kept")
                    .asRuntimeException());
            return;
        }
        // checked after the request parses, so a malformed request does not use up a token
        Optional<JoinToken> granted = tokens.consume(request.getToken());
        if (granted.isEmpty()) {
            LOG.warning("refused to join node " + request.getNode() + ": the join token is unknown, used or expired");
            response.onError(Status.UNAUTHENTICATED.withDescription("the join token is unknown, already used or expired: create one with"
                    + " meshlane control token create --cluster <cluster> and give it to the agent (--join-token-file)").asRuntimeException());
            return;
        }
        JoinToken token = granted.get();
        if (token.scope() != JoinToken.Scope.agent) {
            response.onError(Status.PERMISSION_DENIED.withDescription("the join token has scope " + token.scope()
                    + ", not agent: create one with --scope agent").asRuntimeException());
            return;
        }
        if (!request.getCluster().isEmpty() && !request.getCluster().equals(token.cluster())) {
            LOG.warning("refused to join node " + request.getNode() + " as cluster " + request.getCluster()
                    + ": its token is for cluster " + token.cluster());
            response.onError(Status.PERMISSION_DENIED.withDescription("the join token is for cluster " + token.cluster()
                    + ", the agent says cluster " + request.getCluster() + ": start it with --cluster " + token.cluster()
                    + " or create a token for its cluster").asRuntimeException());
            return;
        }
        NodeId node = new NodeId(token.cluster(), request.getNode());
        LOG.info("node " + node + " joined");
        response.onNext(certificate(node, csr));
        response.onCompleted();
    }

    @Override
    public void renew(RenewRequest request, StreamObserver<NodeCertificate> response) {
        NodeCaller caller = NodeAuthentication.caller().orElseThrow();
        SigningRequest csr;
        try {
            csr = SigningRequest.parse(request.getCsr().toByteArray());
        } catch (IllegalArgumentException e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        if (csr.namesAnotherNode(caller.id().node())) {
            LOG.warning("node " + caller.id() + " asked for a certificate naming node " + csr.commonName().get() + "; refused");
            response.onError(Status.PERMISSION_DENIED.withDescription("node " + caller.id().node() + " may renew only its own"
                    + " certificate, not one for " + csr.commonName().get()).asRuntimeException());
            return;
        }
        response.onNext(certificate(caller.id(), csr));
        response.onCompleted();
    }

    private NodeCertificate certificate(NodeId node, SigningRequest csr) {
        X509Certificate issued = ca.issue(node, csr.publicKey(), lifetime);
        return NodeCertificate.newBuilder().setCertificatePem(NodeCa.pem(issued)).setCaPem(ca.trustBundlePem())
                .setNotBeforeUnixMs(issued.getNotBefore().getTime()).setNotAfterUnixMs(issued.getNotAfter().getTime()).build();
    }
}
