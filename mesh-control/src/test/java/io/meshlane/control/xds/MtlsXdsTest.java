package io.meshlane.control.xds;

import static io.meshlane.control.xds.MeshFixture.endpoint;
import static io.meshlane.control.xds.MeshFixture.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.identity.WorkloadCertificates;
import io.meshlane.control.identity.WorkloadId;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.testing.NodeClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ADS over mTLS on the agents' port: a real grpc-java proxyless client whose bootstrap says
 * {@code "channel_creds": [{"type": "tls", "config": {certificate_file, private_key_file, ca_certificate_file}}]}
 * (gRFC A65, through mesh-api's provider) with a certificate from {@link WorkloadCertificates} gets its
 * routes; a node certificate or none gets no configuration; a bootstrap lying about its namespace is refused.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MtlsXdsTest {
    static final String GREETER = "greeter.default.svc.cluster.local";
    static final Locality EAST = new Locality("us-east", "a", "");

    @Test
    void workloadCertificateOpensAdsOnTheAgentsPortAndOnlyIt() throws Exception {
        try (MeshFixture m = new MeshFixture()) {
            Path data = m.dir.resolve("control");
            try (AgentServer port15012 = AgentServer.start(m.store, NodeClients.trust(data, Duration.ofHours(1)), "127.0.0.1", 0,
                    m.xds.adsService())) {
                m.service(GREETER, "default", 7070);
                int backend = m.backend("greeter-1");
                m.registry.replaceEndpoints("k8s/test/slice/default/greeter", List.of(endpoint(GREETER, backend, Map.of("app", "greeter"), EAST, true, 1)));
                m.xds.awaitIdle();

                WorkloadCertificates.Files files = WorkloadCertificates.open(data, "cluster.local")
                        .issue(new WorkloadId("default", "frontend"), Duration.ofHours(1), m.dir.resolve("frontend"));
                for (Path f : List.of(files.certificate(), files.privateKey(), files.ca())) {
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f + " must be private");
                }
                assertTrue(files.issued().getSubjectAlternativeNames().toString().contains("spiffe://cluster.local/ns/default/sa/frontend"));

                Map<String, Object> tls = Map.of("type", "tls", "config", Map.of("certificate_file", files.certificate().toString(),
                        "private_key_file", files.privateKey().toString(), "ca_certificate_file", files.ca().toString()));
                ManagedChannel ch = m.client("greeter", "sidecar~127.0.0.1~frontend-1.default~default.svc.cluster.local", EAST,
                        port15012.port(), tls);
                eventually(ch, "greeter-1"::equals, 30, "an answer routed by xDS fetched over mTLS");

                NodeClients nodes = new NodeClients(data, port15012.port());
                assertRefused(nodes.channel(null), Status.Code.UNAUTHENTICATED, "workload client certificate");
                assertRefused(nodes.channel(nodes.join("east", "node-a")), Status.Code.PERMISSION_DENIED, "node certificates may not fetch xDS");
            }
        }
    }

    private static void assertRefused(ManagedChannel channel, Status.Code code, String says) throws Exception {
        try (AdsClient ads = new AdsClient(channel, false)) {
            ads.send(DiscoveryRequest.newBuilder().setNode(AdsClient.node("sidecar~127.0.0.1~x.default~default.svc.cluster.local", true, ""))
                    .setTypeUrl(TypeUrls.CLUSTER).build());
            Object got = ads.received.poll(10, TimeUnit.SECONDS);
            Status status = Status.fromThrowable(assertInstanceOf(Throwable.class, got, "expected the stream to be refused, got " + got));
            assertEquals(code, status.getCode(), status.toString());
            assertTrue(status.getDescription().contains(says), status.getDescription());
        } finally {
            channel.shutdownNow();
        }
    }
}
