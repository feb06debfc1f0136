package io.meshlane.control.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.TempDirs;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Tokens map to users and groups, writes are limited per namespace, and the aggregator's headers are trusted only behind its client certificate. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessControlTest {

    static final String POLICIES = "/apis/meshlane.io/v1alpha1/namespaces/%s/accelerationpolicies";

    Path dataDir;
    ControlPlane plane;
    KeyPair proxyCaKeys;
    X509Certificate proxyCa;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-access");
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        proxyCaKeys = gen.generateKeyPair();
        proxyCa = certificate("front-proxy-ca", proxyCaKeys, proxyCaKeys, "front-proxy-ca", true);
        Path caFile = dataDir.resolve("front-proxy-ca.crt");
        Files.writeString(caFile, pem(proxyCa));
        Files.writeString(dataDir.resolve("access.yaml"), """
                tokens:
                - {token: alice-token, user: alice, groups: [team-a]}
                rules:
                - {groups: [team-a], namespaces: [team-a]}
                requestHeader:
                  clientCA: %s
                  allowedNames: [front-proxy-client]
                """.formatted(caFile));
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0));
        Kubectl admin = new Kubectl(plane.kubeconfig());
        admin.ok("create", "namespace", "team-a");
        admin.ok("create", "namespace", "team-b");
    }

    @AfterAll
    void stop() {
        plane.close();
        TempDirs.delete(dataDir);
    }

    static X509Certificate certificate(String cn, KeyPair subject, KeyPair issuerKeys, String issuer, boolean ca) throws Exception {
        Instant now = Instant.now().minus(Duration.ofMinutes(1));
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + issuer), BigInteger.valueOf(System.nanoTime()),
                Date.from(now), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + cn), subject.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    static String pem(Object o) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    static byte[] policy(String name) {
        return ("{\"apiVersion\":\"meshlane.io/v1alpha1\",\"kind\":\"AccelerationPolicy\",\"metadata\":{\"name\":\"" + name
                + "\"},\"spec\":{\"acceleration\":\"Enabled\"}}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTokenUserWritesOnlyInItsNamespaces() throws Exception {
        ApiClient alice = new ApiClient(plane.url(), plane.caCertificate(), "alice-token");
        assertEquals(201, alice.send("POST", POLICIES.formatted("team-a"), "application/json", policy("mine")).statusCode());
        HttpResponse<String> denied = alice.send("POST", POLICIES.formatted("team-b"), "application/json", policy("theirs"));
        assertEquals(403, denied.statusCode(), denied.body());
        assertTrue(denied.body().contains("User \\\"alice\\\" cannot create resource \\\"accelerationpolicies\\\" in API group \\\"meshlane.io\\\" in the namespace \\\"team-b\\\""), denied.body());
        assertEquals(200, alice.get(POLICIES.formatted("team-b")).statusCode(), "reading is allowed to every authenticated user");
        assertEquals(401, new ApiClient(plane.url(), plane.caCertificate(), "wrong").get(POLICIES.formatted("team-a")).statusCode());

        Path kubeconfig = dataDir.resolve("alice.kubeconfig");
        Files.writeString(kubeconfig, Files.readString(plane.kubeconfig()).replace(plane.token(), "alice-token"));
        Kubectl.Result r = new Kubectl(kubeconfig).runWithInput(new String(policy("viakubectl"), StandardCharsets.UTF_8),
                "create", "-n", "team-b", "-f", "-");
        assertTrue(r.err().contains("Error from server (Forbidden)"), r.toString());
    }

    @Test
    void nodeAccelerationsAreReadOnlyThroughTheApiEvenForTheAdmin() throws Exception {
        String report = "{\"apiVersion\":\"meshlane.io/v1alpha1\",\"kind\":\"NodeAcceleration\","
                + "\"metadata\":{\"name\":\"forged-node\"},\"status\":{\"mode\":\"ACCELERATING\"}}";
        Kubectl admin = new Kubectl(plane.kubeconfig());
        Kubectl.Result applied = admin.runWithInput(report, "apply", "-f", "-");
        assertTrue(!applied.ok() && applied.err().contains("Error from server (Forbidden)")
                && applied.err().contains("written only by node agents"), applied.toString());
        assertTrue(!admin.ok("get", "nodeaccelerations").contains("forged-node"), "reads stay open and nothing was written");

        String nodes = "/apis/meshlane.io/v1alpha1/nodeaccelerations";
        ApiClient asAdmin = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
        HttpResponse<String> posted = asAdmin.send("POST", nodes, "application/json", report.getBytes(StandardCharsets.UTF_8));
        assertEquals(403, posted.statusCode(), posted.body());
        assertEquals(403, asAdmin.send("DELETE", nodes, "application/json", new byte[0]).statusCode());
        assertEquals(200, new ApiClient(plane.url(), plane.caCertificate(), "alice-token").get(nodes).statusCode());
    }

    @Test
    void theAggregatorsHeadersAreTrustedOnlyWithItsClientCertificate() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        KeyPair clientKeys = gen.generateKeyPair();
        X509Certificate client = certificate("front-proxy-client", clientKeys, proxyCaKeys, "front-proxy-ca", false);
        HttpClient proxy = HttpClient.newBuilder().sslContext(mutualTls(clientKeys, client)).build();
        HttpRequest asBob = HttpRequest.newBuilder(URI.create(plane.url() + POLICIES.formatted("team-a")))
                .header("X-Remote-User", "bob").header("X-Remote-Group", "team-a").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(policy("from-bob"))).build();
        HttpResponse<String> created = proxy.send(asBob, HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());

        HttpClient noCertificate = new ApiClient(plane.url(), plane.caCertificate(), null).http();
        HttpResponse<String> spoofed = noCertificate.send(HttpRequest.newBuilder(URI.create(plane.url() + POLICIES.formatted("team-a")))
                .header("X-Remote-User", "bob").header("X-Remote-Group", "system:masters").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, spoofed.statusCode(), "X-Remote-User without the front proxy's certificate must not authenticate");
    }

    private SSLContext mutualTls(KeyPair keys, X509Certificate cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", keys.getPrivate(), "pw".toCharArray(), new Certificate[] {cert, proxyCa});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "pw".toCharArray());
        SSLContext trusting = ApiClient.trusting(plane.caCertificate());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(plane.caCertificate())));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return trusting == null ? null : ssl;
    }
}
