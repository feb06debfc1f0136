package io.meshlane.agent.controlplane;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * The node's key and certificate, kept in the agent's state directory as {@code node.key}
 * (PKCS#8 PEM, mode 0600) and {@code node.crt}, so a restarted agent needs no new join token.
 */
record NodeCredentials(PrivateKey key, X509Certificate certificate) {

    static final String KEY_FILE = "node.key";
    static final String CERT_FILE = "node.crt";

    Instant issued() {
        return certificate.getNotBefore().toInstant();
    }

    Instant expires() {
        return certificate.getNotAfter().toInstant();
    }

    /** Two thirds into the certificate's life. */
    Instant renewAt() {
        return issued().plus(Duration.between(issued(), expires()).multipliedBy(2).dividedBy(3));
    }

    /** The kept credentials, if both files are there and the certificate has not expired. */
    static Optional<NodeCredentials> load(Path stateDir) {
        Path key = stateDir.resolve(KEY_FILE);
        Path cert = stateDir.resolve(CERT_FILE);
        if (!Files.exists(key) || !Files.exists(cert)) {
            return Optional.empty();
        }
        try {
            String pem = Files.readString(key, StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PrivateKey privateKey = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
            NodeCredentials kept = new NodeCredentials(privateKey, parse(Files.readString(cert, StandardCharsets.US_ASCII)));
            return kept.expires().isAfter(Instant.now()) ? Optional.of(kept) : Optional.empty();
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static X509Certificate parse(String pem) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    void save(Path stateDir) {
        try {
            Files.createDirectories(stateDir);
            String keyPem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
            String certPem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
            writePrivate(stateDir.resolve(KEY_FILE), keyPem);
            writePrivate(stateDir.resolve(CERT_FILE), certPem);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot keep the node certificate in " + stateDir + ": " + e.getMessage(), e);
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
