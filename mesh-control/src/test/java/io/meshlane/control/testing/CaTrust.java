package io.meshlane.control.testing;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A TLS client context trusting one CA certificate (the control plane's ca.crt) and nothing else. */
public final class CaTrust {
    private CaTrust() {
    }

    public static SSLContext of(Path ca) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, f.getTrustManagers(), null);
        return tls;
    }
}
