package io.meshlane.control.identity;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * mesh-control's CA (the one {@code ca.crt}/{@code ca.key} in the data directory that also signs
 * the serving certificate) as the issuer of node certificates: client-auth only, named by a
 * SPIFFE URI, with the node in CN and the cluster in OU.
 */
final class NodeCa {

    private final X509Certificate certificate;
    private final java.util.List<X509Certificate> trusted;
    private final PrivateKey key;
    private final String trustDomain;

    private NodeCa(java.util.List<X509Certificate> trusted, PrivateKey key, String trustDomain) {
        this.certificate = trusted.getFirst();
        this.trusted = trusted;
        this.key = key;
        this.trustDomain = trustDomain;
    }

    static NodeCa load(Path caCertificate, String trustDomain) {
        Path keyFile = caCertificate.resolveSibling("ca.key");
        try {
            // during a CA rotation ca.crt is a bundle: the new CA, which issues, then the previous one, still trusted
            java.util.List<X509Certificate> trusted = io.meshlane.control.security.CaRotation.certificates(caCertificate);
            if (trusted.isEmpty()) {
                throw new IOException("no certificate in it");
            }
            return new NodeCa(trusted, io.meshlane.control.security.TlsMaterial.caKey(keyFile, trusted.getFirst()), trustDomain);
        } catch (IOException | GeneralSecurityException | IllegalStateException e) {
            throw new IllegalStateException("cannot load the CA from " + caCertificate + " and " + keyFile + ": " + e.getMessage()
                    + " (both are written on the control plane's first start; remove ca.crt, server.p12 and server.p12.pass"
                    + " to regenerate them, then every agent must join again)", e);
        }
    }

    String trustDomain() {
        return trustDomain;
    }

    /** The CA that issues node and workload certificates. */
    X509Certificate certificate() {
        return certificate;
    }

    /** Every CA whose certificates are accepted (the issuing one, and the previous one during a rotation). */
    java.util.List<X509Certificate> trusted() {
        return trusted;
    }

    /** What a client trusts to verify the control plane: every CA of {@link #trusted()}, as PEM. */
    String trustBundlePem() {
        StringBuilder out = new StringBuilder();
        trusted.forEach(c -> out.append(pem(c)));
        return out.toString();
    }

    /** A certificate for {@code node}'s {@code publicKey}, valid from now (to the second) for {@code lifetime}. */
    X509Certificate issue(NodeId node, PublicKey publicKey, Duration lifetime) {
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "meshlane")
                .addRDN(BCStyle.OU, node.cluster()).addRDN(BCStyle.CN, node.node());
        return issue(subject.build(), node.spiffe(trustDomain), publicKey, lifetime);
    }

    /** A client-auth certificate for {@code subject} named by the SPIFFE URI {@code spiffe} (nodes and workloads alike). */
    X509Certificate issue(org.bouncycastle.asn1.x500.X500Name subject, java.net.URI spiffe, PublicKey publicKey, Duration lifetime) {
        Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, new BigInteger(64, new SecureRandom()),
                    Date.from(from), Date.from(from.plus(lifetime)), subject, publicKey);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            builder.addExtension(Extension.subjectAlternativeName, true,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffe.toString())));
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a certificate for " + spiffe + ": " + e.getMessage(), e);
        }
    }

    static String pem(X509Certificate certificate) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(certificate);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
