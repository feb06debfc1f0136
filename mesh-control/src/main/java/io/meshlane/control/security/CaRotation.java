package io.meshlane.control.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Replacing the control plane's CA without a day on which every client breaks. {@link #begin} makes
 * a new CA the issuer of node and workload certificates while the previous one keeps signing the
 * serving certificates, and {@code ca.crt} becomes the bundle of both: clients that still trust only
 * the previous CA keep verifying the server, and certificates from either CA are accepted. Once
 * every agent renewed (from the new CA) and every client holds the bundle, {@link #finish} drops the
 * previous CA: serving certificates come from the new one and certificates of the previous one are
 * refused. A running control plane takes each step up when it is restarted.
 */
public final class CaRotation {

    /** The previous CA's certificate and key: present only while a rotation is under way. */
    public static final String PREVIOUS_CERT = "ca-previous.crt";
    public static final String PREVIOUS_KEY = "ca-previous.key";
    private static final DateTimeFormatter NAME_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** Where a data directory's CA stands: the CA that issues client certificates, and every CA trusted. */
    public record State(X509Certificate issuing, List<X509Certificate> trusted, boolean rotating) {
    }

    /** A CA certificate and its key. */
    record Signer(X509Certificate certificate, PrivateKey key) {
    }

    private CaRotation() {
    }

    public static State state(Path dataDir) {
        List<X509Certificate> trusted = certificates(dataDir.resolve("ca.crt"));
        if (trusted.isEmpty()) {
            throw new IllegalStateException(dataDir.resolve("ca.crt") + " holds no certificate: is " + dataDir
                    + " a control plane's data directory (--data-dir)? It is written on the first start");
        }
        return new State(trusted.getFirst(), trusted, Files.exists(dataDir.resolve(PREVIOUS_CERT)));
    }

    /** Starts a rotation; returns the new CA. Refused while one is under way. */
    public static X509Certificate begin(Path dataDir) {
        State now = state(dataDir);
        if (now.rotating()) {
            throw new IllegalStateException("a CA rotation is already under way (new CA " + name(now.issuing())
                    + "): finish it with `meshlane control rotate-ca finish` before beginning another");
        }
        Path ca = dataDir.resolve("ca.crt");
        try {
            X509Certificate previous = now.issuing();
            PrivateFiles.write(dataDir.resolve(PREVIOUS_KEY), Files.readString(dataDir.resolve("ca.key")));
            Files.writeString(dataDir.resolve(PREVIOUS_CERT), TlsMaterial.pem(previous));
            Path newKey = dataDir.resolve("ca.key.next");
            X509Certificate next = TlsMaterial.generateCa(newKey,
                    "meshlane-ca-" + NAME_STAMP.format(ZonedDateTime.now(ZoneOffset.UTC)));
            Files.move(newKey, dataDir.resolve("ca.key"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            writeBundle(ca, List.of(next, previous));
            return next;
        } catch (IOException | GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot begin the CA rotation in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** Ends a rotation: only the new CA is trusted, and it signs the serving certificates issued at the next start. */
    public static void finish(Path dataDir) {
        State now = state(dataDir);
        if (!now.rotating()) {
            throw new IllegalStateException("no CA rotation is under way in " + dataDir + ": begin one with `meshlane control rotate-ca begin`");
        }
        try {
            writeBundle(dataDir.resolve("ca.crt"), List.of(now.issuing()));
            Files.deleteIfExists(dataDir.resolve(PREVIOUS_CERT));
            Files.deleteIfExists(dataDir.resolve(PREVIOUS_KEY));
            // the next start issues a serving certificate from the new CA
            Files.deleteIfExists(dataDir.resolve("server.p12"));
            Files.deleteIfExists(dataDir.resolve("server.p12.pass"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot finish the CA rotation in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** The CA that signs serving certificates: the previous one while a rotation is under way, else the one CA. */
    static Signer servingSigner(Path dataDir) throws IOException, GeneralSecurityException {
        boolean rotating = Files.exists(dataDir.resolve(PREVIOUS_CERT));
        Path cert = dataDir.resolve(rotating ? PREVIOUS_CERT : "ca.crt");
        Path key = dataDir.resolve(rotating ? PREVIOUS_KEY : "ca.key");
        X509Certificate certificate = certificates(cert).getFirst();
        return new Signer(certificate, TlsMaterial.caKey(key, certificate));
    }

    /** Every certificate in a PEM file, in order (empty when the file is absent). */
    public static List<X509Certificate> certificates(Path pem) {
        if (!Files.exists(pem)) {
            return List.of();
        }
        try (InputStream in = Files.newInputStream(pem)) {
            List<X509Certificate> out = new ArrayList<>();
            CertificateFactory.getInstance("X.509").generateCertificates(in).forEach(c -> out.add((X509Certificate) c));
            return List.copyOf(out);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the certificates in " + pem + ": " + e.getMessage(), e);
        }
    }

    public static String name(X509Certificate ca) {
        return name(ca.getSubjectX500Principal());
    }

    /** A CA's common name ({@code meshlane-ca}, or {@code meshlane-ca-<date>} after a rotation). */
    public static String name(javax.security.auth.x500.X500Principal ca) {
        return ca.getName().replaceFirst("^CN=", "");
    }

    private static void writeBundle(Path file, List<X509Certificate> certificates) throws IOException {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : certificates) {
            pem.append(TlsMaterial.pem(c));
        }
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, pem);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
