package io.meshlane.control.identity;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/**
 * ADS on the mTLS endpoint needs a workload certificate (chained to the CA by the TLS layer, current,
 * {@code spiffe://<td>/ns/<ns>/sa/<sa>}); a node certificate or none is refused, so what a client may
 * call follows from the kind of certificate it holds. The workload is then {@link WorkloadId#caller()}.
 */
final class WorkloadAuthentication implements ServerInterceptor {

    private final String trustDomain;

    WorkloadAuthentication(String trustDomain) {
        this.trustDomain = trustDomain;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Optional<X509Certificate> certificate = NodeAuthentication.peerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (certificate.isEmpty()) {
            return NodeAuthentication.refuse(call, Status.UNAUTHENTICATED.withDescription("xDS on this port needs a workload client certificate"
                    + " (meshlane control workload-cert --namespace N --service-account S --out DIR; bootstrap channel_creds type tls)"));
        }
        X509Certificate cert = certificate.get();
        Instant now = Instant.now();
        if (now.isAfter(cert.getNotAfter().toInstant()) || now.isBefore(cert.getNotBefore().toInstant())) {
            return NodeAuthentication.refuse(call, Status.UNAUTHENTICATED.withDescription("the workload certificate is valid from " + cert.getNotBefore().toInstant()
                    + " to " + cert.getNotAfter().toInstant() + ", not now: issue a new one with meshlane control workload-cert"));
        }
        Optional<WorkloadId> id = WorkloadId.of(cert, trustDomain);
        if (id.isEmpty()) {
            return NodeAuthentication.refuse(call, Status.PERMISSION_DENIED.withDescription("the client certificate names no workload of trust domain " + trustDomain
                    + " (expected a URI SAN spiffe://" + trustDomain + "/ns/<namespace>/sa/<service-account>; node certificates may not fetch xDS)"));
        }
        return Contexts.interceptCall(Context.current().withValue(WorkloadId.CALLER, id.get()), call, headers, next);
    }
}
