package io.meshlane.control.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.registry.MeshEndpoint;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A sidecar's inbound side follows Istio's PeerAuthentication semantics: without any policy PERMISSIVE (a plaintext
 * chain and an mTLS chain per port, told apart by the TLS inspector), STRICT only the mTLS chain, DISABLE only
 * plaintext; a port-level mode overrides the workload's. Every listener passes Envoy's PGV rules.
 */
class InboundMtlsTest {
    private final ServiceRegistry registry = new ServiceRegistry();
    private final MeshTranslation mesh = MeshTranslation.of(registry);
    private final ProxyNode reviews = ProxyNode.parse(Node.newBuilder().setId("sidecar~10.0.0.5~reviews-v1.default~default.svc.cluster.local")
            .setMetadata(Struct.newBuilder().putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                    .putFields("app", Value.newBuilder().setStringValue("reviews").build())).build())).build());
    private long revision;

    InboundMtlsTest() {
        registry.addListener(mesh.changes()::registryChanged);
        registry.replaceServices("k8s/c/reviews", List.of(new MeshService("reviews.default.svc.cluster.local", "default",
                List.of(new ServicePort("http", 9080, "HTTP"), new ServicePort("tcp", 9090, "TCP")), "k8s/c")));
        registry.replaceEndpoints("k8s/c/slice/reviews", List.of(new MeshEndpoint("reviews.default.svc.cluster.local", "10.0.0.5",
                Map.of(), Map.of("app", "reviews"), Locality.parse("us-east/a/1"), "c", "", true, 1)));
        mesh.changes().synced();
    }

    private void apply(String namespace, String yaml) throws Exception {
        JsonNode doc = TranslatorTest.YAML.readTree(yaml);
        mesh.changes().upsert(new MeshObject(doc.path("kind").asText(), namespace, doc.path("metadata").path("name").asText(), doc, ++revision));
    }

    /** Each chain of the inbound listener as "name transport-protocol [mtls]", plus whether the TLS inspector runs. */
    private List<String> inbound() throws Exception {
        Listener l = mesh.views().resolve(TypeUrls.LISTENER, "virtualInbound", reviews).any().unpack(Listener.class);
        assertEquals(List.of(), EnvoyRules.violations(l), "a listener Envoy would refuse");
        List<String> out = new ArrayList<>();
        for (FilterChain c : l.getFilterChainsList()) {
            if (c.getFilterChainMatch().hasDestinationPort()) {
                String line = c.getName() + " " + c.getFilterChainMatch().getTransportProtocol();
                if (c.hasTransportSocket()) {
                    DownstreamTlsContext tls = c.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
                    line += tls.getRequireClientCertificate().getValue() ? " mtls:"
                            + tls.getCommonTlsContext().getTlsCertificateProviderInstance().getInstanceName() : " tls";
                }
                out.add(line);
            }
        }
        out.add("inspector " + l.getListenerFiltersList().stream().map(ListenerFilter::getName).anyMatch(GatewayTranslator.TLS_INSPECTOR::equals));
        return out;
    }

    @Test
    void permissiveByDefaultThenStrictDisableAndPortLevel() throws Exception {
        assertEquals(List.of("inbound|9080|| raw_buffer", "inbound|9080||-mtls tls mtls:default",
                "inbound|9090|| raw_buffer", "inbound|9090||-mtls tls mtls:default", "inspector true"), inbound(),
                "no PeerAuthentication: PERMISSIVE, plaintext and mTLS both accepted");

        apply("istio-system", "{kind: PeerAuthentication, metadata: {name: default}, spec: {mtls: {mode: STRICT}}}");
        assertEquals(List.of("inbound|9080|| tls mtls:default", "inbound|9090|| tls mtls:default", "inspector true"), inbound(),
                "mesh-wide STRICT: only mTLS; plaintext matches no chain of the port and is closed");

        apply("default", "{kind: PeerAuthentication, metadata: {name: default}, spec: {mtls: {mode: DISABLE}}}");
        assertEquals(List.of("inbound|9080|| ", "inbound|9090|| ", "inspector false"), inbound(), "the namespace's DISABLE wins over the root's");

        apply("default", """
                {kind: PeerAuthentication, metadata: {name: reviews},
                 spec: {selector: {matchLabels: {app: reviews}}, mtls: {mode: UNSET}, portLevelMtls: {"9090": {mode: STRICT}}}}""");
        assertEquals(List.of("inbound|9080|| ", "inbound|9090|| tls mtls:default", "inspector true"), inbound(),
                "UNSET inherits the namespace's DISABLE; the port-level STRICT overrides for 9090");

        apply("default", "{kind: PeerAuthentication, metadata: {name: bad}, spec: {mtls: {mode: SOMETIMES}}}");
        assertEquals(1, mesh.rejections().all().size());
        assertEquals(List.of("inbound|9080|| ", "inbound|9090|| tls mtls:default", "inspector true"), inbound(), "a refused policy changes nothing");
    }
}
