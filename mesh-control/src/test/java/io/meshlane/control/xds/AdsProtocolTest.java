package io.meshlane.control.xds;

import static io.meshlane.control.xds.MeshFixture.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.testing.Bookinfo;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ADS protocol itself, with raw Envoy-stub clients: ACK/NACK bookkeeping, delta, revisions, TLS. */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AdsProtocolTest {
    static final String REVIEWS = "reviews.default.svc.cluster.local";
    static final String GRPC_NODE = "sidecar~10.0.0.9~client.default~default.svc.cluster.local";

    private static void reviews(MeshFixture m) {
        m.service(REVIEWS, "default", 9080);
        m.registry.replaceEndpoints("k8s/test/slice/reviews", List.of(
                endpoint(REVIEWS, 1001, Map.of("version", "v1"), new Locality("us-east", "a", ""), true, 1),
                endpoint(REVIEWS, 1002, Map.of("version", "v2"), new Locality("us-east", "a", ""), true, 1)));
        m.xds.awaitIdle();
    }

    private static ManagedChannel plain(MeshFixture m, XdsServer server) {
        return Grpc.newChannelBuilder("127.0.0.1:" + server.port(), InsecureChannelCredentials.create()).build();
    }

    @Test
    void sotwAcksNacksAndPushesOnlyRealChanges() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            reviews(m);
            m.apply(Bookinfo.file("destination-rules.yaml"), "default");
            StatusReporter status = new StatusReporter(m.store).attach(m.xds);
            ManagedChannel ch = plain(m, m.xds);
            try (AdsClient c = new AdsClient(ch, false)) {
                c.send(DiscoveryRequest.newBuilder().setNode(AdsClient.node(GRPC_NODE, true, "us-east"))
                        .setTypeUrl(TypeUrls.ROUTE).addResourceNames(REVIEWS + ":9080").build());
                DiscoveryResponse rds = c.response();
                assertEquals(1, rds.getResourcesCount());
                // ACK: nothing more is sent
                c.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ROUTE).addResourceNames(REVIEWS + ":9080")
                        .setVersionInfo(rds.getVersionInfo()).setResponseNonce(rds.getNonce()).build());
                assertNull(c.next(300));
                // an unrelated change (another host) is not pushed to this client
                m.applyYaml("""
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: other}
                        spec: {hosts: [other], http: [{route: [{destination: {host: other}}]}]}
                        """, "default");
                assertNull(c.next(300));
                // a change to its VirtualService is
                m.apply(Bookinfo.file("reviews-v1-90-v2-10.yaml"), "default");
                DiscoveryResponse pushed = c.response();
                RouteConfiguration rc = pushed.getResources(0).unpack(RouteConfiguration.class);
                assertEquals(2, rc.getVirtualHosts(0).getRoutes(0).getRoute().getWeightedClusters().getClustersCount());
                // NACK it: counted and reported, and not resent
                c.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ROUTE).addResourceNames(REVIEWS + ":9080")
                        .setVersionInfo(rds.getVersionInfo()).setResponseNonce(pushed.getNonce())
                        .setErrorDetail(Status.newBuilder().setCode(3).setMessage("test rejects it")).build());
                assertNull(c.next(500), "no resend after a NACK");
                assertEquals(1, m.xds.stats().nacks());
                NackReport r = m.xds.nacks().getFirst();
                assertEquals(List.of("VirtualService default/reviews"), r.configObjects());
                assertEquals("test rejects it", r.message());
                String vsKey = StoreConfigSource.key(MeshObject.VIRTUAL_SERVICE, "default", "reviews");
                long deadline = System.nanoTime() + 5_000_000_000L;
                String stored = "";
                while (System.nanoTime() < deadline && !stored.contains("Nacked")) {
                    stored = new String(m.store.get(vsKey).orElseThrow().value());
                    Thread.sleep(20);
                }
                assertTrue(stored.contains("\"type\":\"XdsAccepted\"") && stored.contains("test rejects it"), stored);
                assertNull(c.next(300), "the status write is not a configuration change");
                // a stale nonce is ignored
                c.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ROUTE).addResourceNames(REVIEWS + ":9080")
                        .setResponseNonce("no-such-nonce").setErrorDetail(Status.newBuilder().setMessage("stale")).build());
                assertNull(c.next(300));
                assertEquals(1, m.xds.stats().nacks());
                // the next real change goes out
                m.apply(Bookinfo.file("reviews-v1-80-v2-20.yaml"), "default");
                assertEquals(TypeUrls.ROUTE, c.response().getTypeUrl());
            } finally {
                status.close();
                ch.shutdownNow();
            }
        }
    }

    @Test
    void deltaSendsOnlyChangesAndRemovals() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            reviews(m);
            ManagedChannel ch = plain(m, m.xds);
            try (AdsClient c = new AdsClient(ch, true)) {
                c.send(DeltaDiscoveryRequest.newBuilder().setNode(AdsClient.node("sidecar~10.0.0.8~pp.default~default.svc.cluster.local", false, "us-east"))
                        .setTypeUrl(TypeUrls.CLUSTER).build());
                DeltaDiscoveryResponse first = c.deltaResponse();
                Set<String> names = first.getResourcesList().stream().map(Resource::getName).collect(Collectors.toSet());
                assertTrue(names.containsAll(Set.of("outbound|9080||" + REVIEWS, "PassthroughCluster", "BlackHoleCluster")), names.toString());
                c.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER).setResponseNonce(first.getNonce()).build());
                m.applyYaml("""
                        apiVersion: networking.istio.io/v1
                        kind: DestinationRule
                        metadata: {name: reviews}
                        spec: {host: reviews, subsets: [{name: v1, labels: {version: v1}}]}
                        """, "default");
                DeltaDiscoveryResponse added = c.deltaResponse();
                assertEquals(Set.of("outbound|9080|v1|" + REVIEWS),
                        added.getResourcesList().stream().map(Resource::getName).collect(Collectors.toSet()), "only the new subset cluster");
                c.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER).setResponseNonce(added.getNonce()).build());
                m.delete(MeshObject.DESTINATION_RULE, "default", "reviews");
                DeltaDiscoveryResponse removed = c.deltaResponse();
                assertEquals(List.of("outbound|9080|v1|" + REVIEWS), removed.getRemovedResourcesList());
                c.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER).setResponseNonce(removed.getNonce()).build());
                // an explicit subscription to an unknown name is answered as removed
                c.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).addResourceNamesSubscribe("outbound|1|x|nowhere").build());
                DeltaDiscoveryResponse unknown = c.deltaResponse();
                assertEquals(List.of("outbound|1|x|nowhere"), unknown.getRemovedResourcesList());
            } finally {
                ch.shutdownNow();
            }
        }
    }

    @Test
    void revisionsServeOnlyTheirNamespacesAndRelabelingMovesNodes() throws Exception {
        try (MeshFixture m = new MeshFixture();
             XdsServer canary = XdsServer.start(XdsOptions.defaults().withPort(0).withRevision("canary"),
                     new StoreConfigSource(m.store), m.registry)) {
            reviews(m);
            m.namespace("team", Map.of(XdsServer.REVISION_LABEL, "canary"));
            canary.awaitRevision(m.store.revision());
            String teamNode = "sidecar~10.0.0.7~app.team~team.svc.cluster.local";
            ManagedChannel toDefault = plain(m, m.xds);
            ManagedChannel toCanary = plain(m, canary);
            try (AdsClient d = new AdsClient(toDefault, false); AdsClient c = new AdsClient(toCanary, false)) {
                DiscoveryRequest lds = DiscoveryRequest.newBuilder().setNode(AdsClient.node(teamNode, true, ""))
                        .setTypeUrl(TypeUrls.LISTENER).addResourceNames("reviews.default:9080").build();
                d.send(lds);
                StatusRuntimeException refused = assertInstanceOf(StatusRuntimeException.class, d.next(10_000));
                assertTrue(refused.getStatus().getDescription().contains("canary"), refused.toString());
                c.send(lds);
                assertEquals(1, c.response().getResourcesCount(), "the canary serves namespace team");
                // the namespace moves back to the default revision: the canary lets its node go
                m.namespace("team", Map.of());
                canary.awaitRevision(m.store.revision());
                StatusRuntimeException moved = assertInstanceOf(StatusRuntimeException.class, c.next(10_000));
                assertEquals(io.grpc.Status.Code.UNAVAILABLE, moved.getStatus().getCode());
                try (AdsClient again = new AdsClient(toDefault, false)) {
                    again.send(lds);
                    assertEquals(1, again.response().getResourcesCount(), "the default revision serves it now");
                }
            } finally {
                toDefault.shutdownNow();
                toCanary.shutdownNow();
            }
        }
    }

    @Test
    void tlsOption() throws Exception {
        Path dir = Files.createTempDirectory("xds-tls");
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        KeyPair kp = gen.generateKeyPair();
        X500Name name = new X500Name("CN=localhost");
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, new Date(System.currentTimeMillis() - 60_000),
                new Date(System.currentTimeMillis() + 3_600_000), name, kp.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        Path certFile = dir.resolve("xds.crt");
        Path keyFile = dir.resolve("xds.key");
        for (var e : Map.of(certFile, (Object) cert, keyFile, kp.getPrivate()).entrySet()) {
            StringWriter w = new StringWriter();
            try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
                pem.writeObject(e.getValue() instanceof java.security.PrivateKey pk
                        ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(pk, null) : e.getValue());
            }
            Files.writeString(e.getKey(), w.toString());
        }
        try (MeshFixture m = new MeshFixture(new XdsOptions("127.0.0.1", 0, certFile, keyFile, "default"))) {
            reviews(m);
            ManagedChannel ch = Grpc.newChannelBuilder("localhost:" + m.xds.port(),
                    TlsChannelCredentials.newBuilder().trustManager(certFile.toFile()).build()).build();
            try (AdsClient c = new AdsClient(ch, false)) {
                c.send(DiscoveryRequest.newBuilder().setNode(AdsClient.node(GRPC_NODE, true, "")).setTypeUrl(TypeUrls.LISTENER)
                        .addResourceNames("reviews").build());
                assertEquals(1, c.response().getResourcesCount());
            } finally {
                ch.shutdownNow();
            }
        } finally {
            io.meshlane.control.testing.TempDirs.delete(dir);
        }
    }
}
