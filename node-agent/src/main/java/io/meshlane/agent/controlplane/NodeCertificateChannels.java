package io.meshlane.agent.controlplane;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.meshlane.api.agent.v1.JoinRequest;
import io.meshlane.api.agent.v1.NodeCertificate;
import io.meshlane.api.agent.v1.NodeEnrollmentGrpc;
import io.meshlane.api.agent.v1.RenewRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * TLS to mesh-control's agents' endpoint, trusting only {@code --control-plane-ca}: the first time
 * with the join token (a fresh key, a CSR, the certificate back), from then on presenting the
 * node certificate kept in the state directory, renewed with a new key at two thirds of its life.
 */
public final class NodeCertificateChannels implements AgentChannels {

    private static final Logger LOG = Logger.getLogger(NodeCertificateChannels.class.getName());

    private final String target;
    private final Path caFile;
    private final Path tokenFile;
    private final Path stateDir;
    private final String node;
    private final String cluster;
    private volatile NodeCredentials current;

    public NodeCertificateChannels(String target, Path caFile, Path tokenFile, Path stateDir, String node, String cluster) {
        this.target = target;
        this.caFile = caFile;
        this.tokenFile = tokenFile;
        this.stateDir = stateDir;
        this.node = node;
        this.cluster = cluster;
    }

    @Override
    public ManagedChannel open() {
        if (current == null || !current.expires().isAfter(Instant.now())) {
            current = NodeCredentials.load(stateDir).filter(this::signedByTrustedCa).orElseGet(this::join);
        }
        return channel(current);
    }

    @Override
    public Optional<Instant> renewAt() {
        return Optional.ofNullable(current).map(NodeCredentials::renewAt);
    }

    @Override
    public ManagedChannel renew() {
        KeyPair keys = keys();
        ManagedChannel channel = channel(current);
        try {
            NodeCertificate issued = NodeEnrollmentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .renew(RenewRequest.newBuilder().setCsr(csr(keys)).build());
            current = kept(keys, issued);
            LOG.info("renewed the node certificate of " + node + " (valid until " + current.expires() + ")");
            return channel(current);
        } finally {
            channel.shutdownNow();
        }
    }

    /** Serial of the certificate in use (tests and status: it changes at every renewal). */
    public Optional<java.math.BigInteger> certificateSerial() {
        return Optional.ofNullable(current).map(c -> c.certificate().getSerialNumber());
    }

    /**
     * A kept certificate from another CA (a control plane set up anew) is useless: join again instead.
     * The CA file may be a bundle (during the control plane's rotate-ca, the new CA and the previous one).
     */
    private boolean signedByTrustedCa(NodeCredentials kept) {
        try (var in = Files.newInputStream(caFile)) {
            for (var ca : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                try {
                    kept.certificate().verify(ca.getPublicKey());
                    return true;
                } catch (GeneralSecurityException notThisOne) {
                    // the next CA of the bundle may have issued it
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            LOG.info("cannot read the CA file " + caFile + ": " + e.getMessage());
        }
        LOG.info("the node certificate kept in " + stateDir + " is not from a CA in " + caFile + "; joining again");
        return false;
    }

    private NodeCredentials join() {
        String token;
        try {
            token = tokenFile == null ? "" : Files.readString(tokenFile).trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the join token file " + tokenFile + ": " + e.getMessage(), e);
        }
        if (token.isEmpty()) {
            throw new IllegalStateException("node " + node + " has no certificate in " + stateDir + " and no join token:"
                    + " create one with `meshlane control token create --cluster " + cluster + "` and pass --join-token-file");
        }
        KeyPair keys = keys();
        ManagedChannel channel = channel(null);
        try {
            NodeCertificate issued = NodeEnrollmentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .join(JoinRequest.newBuilder().setToken(token).setNode(node).setCluster(cluster).setCsr(csr(keys)).build());
            NodeCredentials joined = kept(keys, issued);
            LOG.info("node " + node + " joined cluster " + cluster + " (certificate valid until " + joined.expires() + ")");
            return joined;
        } catch (StatusRuntimeException e) {
            throw new IllegalStateException("joining the control plane at " + target + " failed: " + e.getStatus().getDescription(), e);
        } finally {
            channel.shutdownNow();
        }
    }

    private NodeCredentials kept(KeyPair keys, NodeCertificate issued) {
        try {
            NodeCredentials credentials = new NodeCredentials(keys.getPrivate(), NodeCredentials.parse(issued.getCertificatePem()));
            credentials.save(stateDir);
            return credentials;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the control plane sent an unreadable certificate: " + e.getMessage(), e);
        }
    }

    private ManagedChannel channel(NodeCredentials credentials) {
        try {
            SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(caFile.toFile());
            if (credentials != null) {
                tls.keyManager(credentials.key(), credentials.certificate());
            }
            return NettyChannelBuilder.forTarget(target).sslContext(tls.build()).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot set up TLS to " + target + " with the CA " + caFile + ": " + e.getMessage(), e);
        }
    }

    private static KeyPair keys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private ByteString csr(KeyPair keys) {
        try {
            return ByteString.copyFrom(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + node), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded());
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot build the certificate signing request: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
    }
}
