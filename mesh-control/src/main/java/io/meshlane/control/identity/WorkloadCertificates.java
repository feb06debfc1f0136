package io.meshlane.control.identity;

import io.meshlane.control.security.PrivateFiles;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * Workload identities for xDS clients, issued by mesh-control's CA from its data directory: a fresh
 * key pair and a client certificate named {@code spiffe://<td>/ns/<namespace>/sa/<service-account>},
 * written as {@code cert.pem}, {@code key.pem} (PKCS#8) and {@code ca.pem}, all mode 0600 — the three
 * files a grpc-java bootstrap's {@code tls} channel credentials name.
 */
public final class WorkloadCertificates {

    /** The files written for one workload. */
    public record Files(Path certificate, Path privateKey, Path ca, X509Certificate issued) {
    }

    private final NodeCa ca;

    private WorkloadCertificates(NodeCa ca) {
        this.ca = ca;
    }

    /** Opens the CA of the control plane whose data directory is {@code dataDir} ({@code ca.crt}, {@code ca.key}). */
    public static WorkloadCertificates open(Path dataDir, String trustDomain) {
        return new WorkloadCertificates(NodeCa.load(dataDir.resolve("ca.crt"), trustDomain));
    }

    public Files issue(WorkloadId workload, Duration lifetime, Path outDir) throws IOException {
        if (lifetime.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new IllegalArgumentException("a workload certificate lifetime under 10 s is unusable: " + lifetime);
        }
        KeyPair keys;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            keys = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a P-256 key pair: " + e.getMessage(), e);
        }
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "meshlane")
                .addRDN(BCStyle.OU, workload.namespace()).addRDN(BCStyle.CN, workload.serviceAccount());
        X509Certificate cert = ca.issue(subject.build(), workload.spiffe(ca.trustDomain()), keys.getPublic(), lifetime);
        Path certFile = outDir.resolve("cert.pem");
        Path keyFile = outDir.resolve("key.pem");
        Path caFile = outDir.resolve("ca.pem");
        PrivateFiles.write(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
        PrivateFiles.write(certFile, NodeCa.pem(cert));
        PrivateFiles.write(caFile, ca.trustBundlePem());
        return new Files(certFile, keyFile, caFile, cert);
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
