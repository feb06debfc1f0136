package io.meshlane.control.identity;

import io.meshlane.control.security.TlsMaterial;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Who may write telemetry, and as which cluster: the OTLP receivers serve mesh-control's serving
 * certificate and accept either a bearer token of scope {@code telemetry} (multi-use until its TTL,
 * so that a collector or SDK can keep exporting with one configured header) or a client certificate
 * from the CA naming {@code spiffe://<trust-domain>/cluster/<c>/...} (an agent's node certificate).
 * The cluster comes from the credential alone.
 */
public final class TelemetryCredentials {

    /** What a caller's credential says. */
    public sealed interface Verdict {
    }

    /** Accepted: the caller writes as {@code cluster}; {@code who} names the credential for logs (never the secret). */
    public record Writer(String cluster, String who) implements Verdict {
    }

    /** Refused: {@code missing} when no credential came at all; {@code reason} says what to do. */
    public record Refused(boolean missing, String reason) implements Verdict {
    }

    private final TlsMaterial tls;
    private final JoinTokens tokens;
    private final Revocations revocations;
    private final String trustDomain;

    private TelemetryCredentials(TlsMaterial tls, JoinTokens tokens, Revocations revocations, String trustDomain) {
        this.tls = tls;
        this.tokens = tokens;
        this.revocations = revocations;
        this.trustDomain = trustDomain;
    }

    /** Telemetry credentials of a single control plane whose records are files in {@code dataDir}. */
    public static TelemetryCredentials open(Path dataDir, TlsMaterial tls, String trustDomain) {
        return open(IdentityRecords.of(dataDir, Optional.empty()), tls, trustDomain);
    }

    public static TelemetryCredentials open(IdentityRecords records, TlsMaterial tls, String trustDomain) {
        return new TelemetryCredentials(tls, records.tokens(), records.revocations(), trustDomain);
    }

    /** mesh-control's serving key and certificate (the API's). */
    public KeyManagerFactory keyManagers() {
        return tls.keyManagers("OTLP");
    }

    /** Trusts client certificates issued by mesh-control's CA. */
    public X509TrustManager clientTrust() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int n = 0;
            for (X509Certificate ca : NodeCa.load(tls.caCertificate(), trustDomain).trusted()) {
                store.setCertificateEntry("meshlane-ca-" + n++, ca);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            for (var m : trust.getTrustManagers()) {
                if (m instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JDK offers no X.509 trust manager");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the CA " + tls.caCertificate() + " to check OTLP client certificates: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Decides one request: {@code authorization} is the Authorization header (or gRPC metadata), null when absent;
     * {@code clientCertificate} the TLS peer's certificate, already checked by the handshake to chain to the CA.
     * A token, when sent, decides; otherwise the certificate does.
     */
    public Verdict authenticate(String authorization, Optional<X509Certificate> clientCertificate) {
        if (authorization != null) {
            return token(authorization);
        }
        if (clientCertificate.isPresent()) {
            return certificate(clientCertificate.get());
        }
        return new Refused(true, "no credential: send Authorization: Bearer <token> (meshlane control token create --cluster C"
                + " --scope telemetry) or a client certificate from mesh-control's CA");
    }

    /** The TLS peer's certificate, when it showed one. */
    public static Optional<X509Certificate> peer(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            var chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? Optional.of(x) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    private Verdict token(String authorization) {
        String prefix = "Bearer ";
        if (!authorization.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return new Refused(false, "the Authorization header is not \"Bearer <token>\"");
        }
        String token = authorization.substring(prefix.length()).trim();
        Optional<JoinToken> granted = tokens.peek(token);
        if (granted.isEmpty()) {
            return new Refused(false, "the bearer token is unknown, revoked or expired: create one with"
                    + " meshlane control token create --cluster C --scope telemetry");
        }
        if (granted.get().scope() != JoinToken.Scope.telemetry) {
            return new Refused(false, "the bearer token has scope " + granted.get().scope() + ", not telemetry: create one with"
                    + " --scope telemetry");
        }
        // the id (before the dot) names the token in logs; the secret never leaves this method
        return new Writer(granted.get().cluster(), "telemetry token " + token.substring(0, Math.max(0, token.indexOf('.'))));
    }

    private Verdict certificate(X509Certificate cert) {
        Instant now = Instant.now();
        if (now.isAfter(cert.getNotAfter().toInstant()) || now.isBefore(cert.getNotBefore().toInstant())) {
            return new Refused(false, "the client certificate is valid from " + cert.getNotBefore().toInstant() + " to "
                    + cert.getNotAfter().toInstant() + ", not now");
        }
        Optional<NodeId> id = NodeId.of(cert, trustDomain);
        if (id.isEmpty()) {
            return new Refused(false, "the client certificate names no cluster of trust domain " + trustDomain
                    + " (expected a URI SAN spiffe://" + trustDomain + "/cluster/<cluster>/node/<node>)");
        }
        if (revocations.refuses(NodeCaller.of(id.get(), cert))) {
            return new Refused(false, "node " + id.get() + " is revoked (meshlane control node revoke)");
        }
        return new Writer(id.get().cluster(), "node " + id.get());
    }
}
