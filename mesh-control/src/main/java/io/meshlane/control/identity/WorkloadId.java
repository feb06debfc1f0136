package io.meshlane.control.identity;

import io.grpc.Context;
import java.net.URI;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which workload a certificate speaks for, as its SPIFFE URI SAN says (Istio's form):
 * {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>}. The namespace decides which
 * configuration the workload's xDS client may see.
 */
public record WorkloadId(String namespace, String serviceAccount) {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final int URI_NAME = 6;
    static final Context.Key<WorkloadId> CALLER = Context.key("meshlane-workload-caller");

    public WorkloadId {
        if (namespace == null || !LABEL.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace \"" + namespace + "\" is not a valid namespace name (lower-case letters, digits and '-', at most 63)");
        }
        NodeId.requireName(serviceAccount, "service account");
    }

    /** The authenticated workload of the current gRPC call on the mTLS xDS endpoint, if the caller showed a workload certificate. */
    public static Optional<WorkloadId> caller() {
        return Optional.ofNullable(CALLER.get());
    }

    public URI spiffe(String trustDomain) {
        return URI.create("spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount);
    }

    /** The workload a certificate names in {@code trustDomain}, if it names one. */
    static Optional<WorkloadId> of(X509Certificate certificate, String trustDomain) {
        try {
            if (certificate.getSubjectAlternativeNames() == null) {
                return Optional.empty();
            }
            for (List<?> name : certificate.getSubjectAlternativeNames()) {
                if ((Integer) name.get(0) == URI_NAME) {
                    URI uri = URI.create((String) name.get(1));
                    String[] path = uri.getPath() == null ? new String[0] : uri.getPath().split("/");
                    if ("spiffe".equals(uri.getScheme()) && trustDomain.equals(uri.getHost()) && path.length == 5
                            && path[1].equals("ns") && path[3].equals("sa")) {
                        return Optional.of(new WorkloadId(path[2], path[4]));
                    }
                }
            }
            return Optional.empty();
        } catch (CertificateParsingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return namespace + "/" + serviceAccount;
    }
}
