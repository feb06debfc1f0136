package io.meshlane.control.testing;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.meshlane.api.agent.v1.JoinRequest;
import io.meshlane.api.agent.v1.NodeCertificate;
import io.meshlane.api.agent.v1.NodeEnrollmentGrpc;
import io.meshlane.api.agent.v1.RenewRequest;
import io.meshlane.control.identity.IdentityOptions;
import io.meshlane.control.identity.JoinToken;
import io.meshlane.control.identity.JoinTokens;
import io.meshlane.control.identity.NodeTrust;
import io.meshlane.control.security.TlsMaterial;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Test-side clients of the agents' endpoint over real grpc-java TLS: join with a token, renew,
 * and channels with or without a node certificate (the agent's own code is tested end to end
 * in the installer module, which may depend on both sides).
 */
public final class NodeClients {

    /** A node's key and the certificate the control plane issued for it. */
    public record Enrolled(KeyPair keys, X509Certificate certificate) {
    }

    private final Path dataDir;
    private final int port;

    public NodeClients(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    /** Node identity from {@code dataDir}'s CA (created if absent), certificates living {@code lifetime}. */
    public static NodeTrust trust(Path dataDir, Duration lifetime) {
        return NodeTrust.open(dataDir, TlsMaterial.ensure(dataDir, "127.0.0.1"), IdentityOptions.defaults().withLifetime(lifetime));
    }

    public String token(String cluster) {
        return new JoinTokens(dataDir).create(cluster, Duration.ofMinutes(5), JoinToken.Scope.agent);
    }

    /** Joins as {@code node} with a fresh token of {@code cluster}. */
    public Enrolled join(String cluster, String node) throws Exception {
        return join(token(cluster), cluster, node);
    }

    public Enrolled join(String token, String cluster, String node) throws Exception {
        return join(token, cluster, node, node);
    }

    /** Joins as {@code node} with a signing request whose subject names {@code csrNode} (a forged one when they differ). */
    public Enrolled join(String token, String cluster, String node, String csrNode) throws Exception {
        KeyPair keys = keys();
        ManagedChannel channel = channel(null);
        try {
            NodeCertificate issued = NodeEnrollmentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .join(JoinRequest.newBuilder().setToken(token).setNode(node).setCluster(cluster).setCsr(csr(keys, csrNode)).build());
            return new Enrolled(keys, parse(issued.getCertificatePem()));
        } finally {
            channel.shutdownNow();
        }
    }

    /** Renews {@code current}'s certificate, asking for one naming {@code askedNode}. */
    public Enrolled renew(Enrolled current, String askedNode) throws Exception {
        KeyPair keys = keys();
        ManagedChannel channel = channel(current);
        try {
            NodeCertificate issued = NodeEnrollmentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .renew(RenewRequest.newBuilder().setCsr(csr(keys, askedNode)).build());
            return new Enrolled(keys, parse(issued.getCertificatePem()));
        } finally {
            channel.shutdownNow();
        }
    }

    /** A TLS channel trusting the control plane's CA, presenting {@code node}'s certificate (none when null). */
    public ManagedChannel channel(Enrolled node) throws Exception {
        return channel(node, dataDir.resolve("ca.crt"));
    }

    /** As {@link #channel(Enrolled)}, trusting the CAs in {@code trust} (a client not yet given a new ca.crt). */
    public ManagedChannel channel(Enrolled node, Path trust) throws Exception {
        SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(trust.toFile());
        if (node != null) {
            tls.keyManager(node.keys().getPrivate(), node.certificate());
        }
        return NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(tls.build()).build();
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    private static ByteString csr(KeyPair keys, String node) throws Exception {
        return ByteString.copyFrom(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + node), keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded());
    }

    private static X509Certificate parse(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
