package io.meshlane.control.identity;

import java.time.Instant;

/**
 * The authenticated node behind one call on the agents' endpoint, the lifetime of the certificate it
 * showed, and the name of the CA that issued it (which tells, during a CA rotation, who still holds one of the previous CA).
 */
public record NodeCaller(NodeId id, Instant issued, Instant expires, String issuer) {

    static NodeCaller of(NodeId id, java.security.cert.X509Certificate certificate) {
        return new NodeCaller(id, certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant(),
                io.meshlane.control.security.CaRotation.name(certificate.getIssuerX500Principal()));
    }
}
