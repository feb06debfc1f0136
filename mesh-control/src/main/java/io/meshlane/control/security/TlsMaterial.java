package io.meshlane.control.security;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The control plane's CA and serving certificate, generated on first start and kept in the data
 * directory: {@code ca.crt} (what clients trust) and {@code server.p12} (key store for the server,
 * protected by {@code server.p12.pass}). The serving certificate names 127.0.0.1, ::1, localhost
 * and the configured listen host.
 */
public record TlsMaterial(Path caCertificate, Path keyStore, String keyStorePassword) {

    private static final Duration VALIDITY = Duration.ofDays(3650);

    /** The serving key and certificate for {@code endpoint}'s TLS; {@code endpoint} only names it in the error. */
    public javax.net.ssl.KeyManagerFactory keyManagers(String endpoint) {
        try (var in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, keyStorePassword.toCharArray());
            var keys = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, keyStorePassword.toCharArray());
            return keys;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for " + endpoint + " from " + keyStore + ": " + e.getMessage()
                    + " (remove server.p12 and server.p12.pass in the data directory to regenerate them)", e);
        }
    }

    public static TlsMaterial ensure(Path dataDir, String listenHost) {
        return ensure(dataDir, listenHost, java.util.List.of());
    }

    /**
     * As {@link #ensure(Path, String)}, a generated serving certificate also naming {@code extraNames}
     * (host names or IPs clients use, e.g. a Kubernetes Service's DNS names); existing material is kept as it is.
     */
    public static TlsMaterial ensure(Path dataDir, String listenHost, java.util.List<String> extraNames) {
        Path ca = dataDir.resolve("ca.crt");
        Path p12 = dataDir.resolve("server.p12");
        Path pass = dataDir.resolve("server.p12.pass");
        try {
            if (Files.exists(ca) && Files.exists(p12) && Files.exists(pass)) {
                // data directories from before the key store was written owner-only
                Files.setPosixFilePermissions(p12, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                return new TlsMaterial(ca, p12, Files.readString(pass).trim());
            }
            if (!Files.exists(ca) || !Files.exists(ca.resolveSibling("ca.key"))) {
                Files.createDirectories(ca.getParent());
                Files.writeString(ca, pem(generateCa(ca.resolveSibling("ca.key"), "meshlane-ca")));
            }
            // a CA adopted from the other replicas (their shared store) signs this replica's own serving certificate
            return issueServing(ca, p12, pass, listenHost, extraNames);
        } catch (IOException | GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot create the TLS certificates in " + dataDir + ": " + e.getMessage()
                    + " (remove ca.crt, server.p12 and server.p12.pass there to regenerate them)", e);
        }
    }

    /** A new self-signed CA named {@code commonName}; its key is written to {@code keyFile} (0600), its certificate returned. */
    static X509Certificate generateCa(Path keyFile, String commonName)
            throws GeneralSecurityException, IOException, org.bouncycastle.operator.OperatorCreationException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair caKeys = generator.generateKeyPair();
        X500Name caName = new X500Name("CN=" + commonName);
        Instant now = Instant.now().minus(Duration.ofMinutes(5));
        X509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(caName, serial(), Date.from(now),
                Date.from(now.plus(VALIDITY)), caName, caKeys.getPublic());
        caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate caCert = sign(caBuilder, caKeys.getPrivate());
        PrivateFiles.write(keyFile, pem(caKeys.getPrivate()));
        return caCert;
    }

    private static TlsMaterial issueServing(Path ca, Path p12, Path pass, String listenHost, java.util.List<String> extraNames)
            throws GeneralSecurityException, IOException, org.bouncycastle.operator.OperatorCreationException {
        // while a new CA is rolled out the previous one still signs what clients verify: not all trust the new one yet
        CaRotation.Signer signer = CaRotation.servingSigner(ca.getParent());
        X509Certificate caCert = signer.certificate();
        PrivateKey caKey = signer.key();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair serverKeys = generator.generateKeyPair();
        Instant now = Instant.now().minus(Duration.ofMinutes(5));
        X509v3CertificateBuilder serverBuilder = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()), serial(), Date.from(now),
                Date.from(now.plus(VALIDITY)), new X500Name("CN=meshlane-control"), serverKeys.getPublic());
        serverBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        serverBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        serverBuilder.addExtension(Extension.extendedKeyUsage, false,
                new org.bouncycastle.asn1.x509.ExtendedKeyUsage(org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_serverAuth));
        serverBuilder.addExtension(Extension.subjectAlternativeName, false, subjectNames(listenHost, extraNames));
        X509Certificate serverCert = sign(serverBuilder, caKey);

        String password = Token.random(24);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", serverKeys.getPrivate(), password.toCharArray(), new Certificate[] {serverCert, caCert});
        // the key store holds the serving key: owner-only like every other secret
        java.io.ByteArrayOutputStream keyStore = new java.io.ByteArrayOutputStream();
        store.store(keyStore, password.toCharArray());
        PrivateFiles.write(p12, keyStore.toByteArray());
        PrivateFiles.write(pass, password);
        return new TlsMaterial(ca, p12, password);
    }

    /** The CA key as {@code ca.key} holds it (SEC1 without curve parameters): the curve is the CA certificate's. */
    public static PrivateKey caKey(Path keyFile, X509Certificate ca) throws IOException, GeneralSecurityException {
        try (org.bouncycastle.openssl.PEMParser in = new org.bouncycastle.openssl.PEMParser(Files.newBufferedReader(keyFile))) {
            Object parsed = in.readObject();
            org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = parsed instanceof org.bouncycastle.openssl.PEMKeyPair pair
                    ? pair.getPrivateKeyInfo() : (org.bouncycastle.asn1.pkcs.PrivateKeyInfo) parsed;
            BigInteger d = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getKey();
            return java.security.KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.ECPrivateKeySpec(d,
                    ((java.security.interfaces.ECPublicKey) ca.getPublicKey()).getParams()));
        } catch (ClassCastException e) {
            throw new GeneralSecurityException(keyFile + " holds no EC private key", e);
        }
    }

    private static GeneralNames subjectNames(String listenHost, java.util.List<String> extraNames) {
        java.util.List<GeneralName> names = new java.util.ArrayList<>(java.util.List.of(
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1"),
                new GeneralName(GeneralName.dNSName, "localhost")));
        if (listenHost != null && !listenHost.isBlank() && !listenHost.equals("127.0.0.1") && !listenHost.equals("localhost")) {
            names.add(generalName(listenHost));
        }
        extraNames.stream().map(TlsMaterial::generalName).forEach(names::add);
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static GeneralName generalName(String hostOrIp) {
        boolean ip = hostOrIp.chars().allMatch(ch -> Character.isDigit(ch) || ch == '.' || ch == ':');
        return new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, hostOrIp);
    }


    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws org.bouncycastle.operator.OperatorCreationException, GeneralSecurityException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    /** A PKCS12 trust store file and its password. */
    public record TrustStore(Path path, String password) {
    }

    /** Writes {@code requestheader-trust.p12} holding {@code ca}, for verifying front-proxy client certificates. */
    public static TrustStore trustStore(Path dataDir, X509Certificate ca) {
        Path file = dataDir.resolve("requestheader-trust.p12");
        String password = Token.random(16);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("requestheader-ca", ca);
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return new TrustStore(file, password);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot write the request-header trust store " + file + ": " + e.getMessage(), e);
        }
    }

    public String caPem() {
        try {
            return Files.readString(caCertificate, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + caCertificate + ": " + e.getMessage(), e);
        }
    }
}
