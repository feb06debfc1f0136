package io.meshlane.control.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshlane.control.testing.Bookinfo;
import io.meshlane.control.testing.IstioTestData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FieldSupportTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final FieldSupport support = FieldSupport.istio();
    private final UnsupportedFields advice = new UnsupportedFields(support,
            Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC));

    private static ObjectNode object(String yaml) throws IOException {
        return (ObjectNode) YAML.readTree(yaml);
    }

    @Test
    void bookinfosMeshRoutingUsesOnlySupportedFields() throws IOException {
        try (Stream<Path> files = Files.list(Bookinfo.directory())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile()).readAll()) {
                    String kind = doc.path("kind").asText();
                    if (kind.equals("VirtualService") || kind.equals("DestinationRule")) {
                        assertEquals(List.of(), support.unsupportedFields(kind, doc.path("spec")), file + " " + doc.path("metadata"));
                    }
                }
            }
        }
    }

    @Test
    void unsupportedFieldsAreNamedWithTheirIndices() throws IOException {
        ObjectNode vs = object("""
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /a}}]
                    route: [{destination: {host: reviews, subset: v1}}]
                  - match:
                    - headers: {end-user: {exact: jason}}
                    - scheme: {exact: https}
                      statPrefix: reviews-v2
                    route: [{destination: {host: reviews, subset: v2}, headers: {request: {set: {x: y}}}}]
                    corsPolicy: {allowOrigins: [{exact: a.example}]}
                  tcp: [{route: [{destination: {host: reviews}}]}]
                """);
        assertEquals(List.of("spec.http[1].match[1].scheme", "spec.http[1].match[1].statPrefix",
                        "spec.http[1].route[0].headers", "spec.http[1].corsPolicy", "spec.tcp"),
                support.unsupportedFields("VirtualService", vs.path("spec")));
        ObjectNode dr = object("""
                kind: DestinationRule
                spec:
                  host: reviews
                  trafficPolicy:
                    loadBalancer: {consistentHash: {httpHeaderName: x-user}, warmupDurationSecs: 30s}
                    portLevelSettings: [{port: {number: 9080}, connectionPool: {tcp: {maxConnections: 5, connectTimeout: 1s}}}]
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - name: v2
                    labels: {version: v2}
                    trafficPolicy: {tls: {mode: SIMPLE, credentialName: reviews-ca}, outlierDetection: {consecutive5xxErrors: 3}}
                """);
        assertEquals(List.of("spec.trafficPolicy.loadBalancer.warmupDurationSecs",
                        "spec.trafficPolicy.portLevelSettings[0].connectionPool.tcp.connectTimeout", "spec.subsets[1].trafficPolicy.tls.credentialName"),
                support.unsupportedFields("DestinationRule", dr.path("spec")));
    }

    @Test
    void aKindMeshlaneDoesNotTranslateIsNamedAsAWhole() {
        assertTrue(support.unsupportedKind("WorkloadGroup").orElseThrow().contains("WorkloadEntry"));
        assertTrue(support.unsupportedKind("VirtualService").isEmpty());
        assertTrue(support.unsupportedKind("Gateway").isEmpty());
        assertTrue(support.describes("PeerAuthentication"));
        assertTrue(!support.describes("AccelerationPolicy"));
    }

    @Test
    void theWarningNamesTheObjectAndFieldAndTheConditionRecordsIt() throws IOException {
        ObjectNode vs = object("""
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews]
                  http: [{match: [{statPrefix: shop}], route: [{destination: {host: reviews}}]}]
                """);
        List<String> warnings = advice.advise(vs);
        assertEquals(List.of("VirtualService shop/reviews: field spec.http[0].match[0].statPrefix is not supported by meshlane"
                + " and has no effect (see mesh-control/docs/istio-fields.md)"), warnings);
        JsonNode condition = vs.path("status").path("conditions").path(0);
        assertEquals("FieldsSupported", condition.path("type").asText());
        assertEquals("False", condition.path("status").asText());
        assertEquals("UnsupportedFields", condition.path("reason").asText());
        assertTrue(condition.path("message").asText().contains("spec.http[0].match[0].statPrefix"), condition.toString());

        ((ObjectNode) vs.path("spec").path("http").path(0)).remove("match");
        assertEquals(List.of(), advice.advise(vs));
        assertEquals("True", vs.path("status").path("conditions").path(0).path("status").asText(), "fixed objects say so");
        ObjectNode clean = object("{kind: VirtualService, metadata: {name: r}, spec: {hosts: [r]}}");
        advice.advise(clean);
        assertTrue(clean.path("status").isMissingNode(), "an object that never had a problem gets no status written");
    }

    @Test
    void gatewaysAndSecurityPoliciesNameTheFieldsMeshlaneDoesNotActOn() throws IOException {
        ObjectNode vs = object("{kind: VirtualService, metadata: {name: bookinfo}, spec: {hosts: ['*'], gateways: [bookinfo-gateway]}}");
        assertEquals(List.of(), advice.advise(vs), "a VirtualService bound to a Gateway is served by the gateway proxies");
        assertEquals(List.of("spec.servers[0].bind", "spec.servers[1].tls.ecdhCurves"), support.unsupportedFields("Gateway", object("""
                selector: {istio: ingressgateway}
                servers:
                - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"], bind: 127.0.0.1}
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [bookinfo.example.com]
                  tls: {mode: SIMPLE, credentialName: bookinfo-cert, ecdhCurves: [P-256], minProtocolVersion: TLSV1_2}
                """)));
        assertEquals(List.of("spec.targetRef", "spec.rules[0].from[0].source.requestPrincipals"),
                support.unsupportedFields("AuthorizationPolicy", object("""
                        selector: {matchLabels: {app: reviews}}
                        action: DENY
                        targetRef: {kind: Service, name: reviews}
                        rules:
                        - from: [{source: {namespaces: [shop], requestPrincipals: ["*"]}}]
                          to: [{operation: {methods: [POST], paths: [/admin/*]}}]
                          when: [{key: 'request.headers[x-user]', values: [bob]}]
                        """)));
        assertEquals(List.of(), support.unsupportedFields("PeerAuthentication", object("""
                selector: {matchLabels: {app: reviews}}
                mtls: {mode: STRICT}
                portLevelMtls: {"9080": {mode: DISABLE}}
                """)));
    }

    @Test
    void manyUnsupportedFieldsAreSummarisedAfterTen() throws IOException {
        StringBuilder routes = new StringBuilder();
        for (int i = 0; i < 15; i++) {
            routes.append("  - {corsPolicy: {maxAge: 1s}, route: [{destination: {host: r}}]}\n");
        }
        List<String> warnings = advice.advise(object("kind: VirtualService\nmetadata: {name: r}\nspec:\n  hosts: [r]\n  http:\n" + routes));
        assertEquals(UnsupportedFields.MAX_WARNINGS + 1, warnings.size());
        assertTrue(warnings.getLast().contains("5 more unsupported fields"), warnings.getLast());
    }

    /** Every field of the built-in schemas is in the table, so none is silently ignored. */
    @Test
    void everyFieldOfTheBuiltInSchemasIsListed() throws IOException {
        try (InputStream in = IstioCrds.class.getResourceAsStream("istio-kinds.yaml")) {
            for (JsonNode entry : YAML.readTree(in)) {
                assertListed(entry.path("kind").asText(), SchemaPaths.of(entry.path("spec")));
            }
        }
    }

    /** With Istio's own CRDs at hand: every field of every version Istio defines is listed. */
    @Test
    void everyFieldOfIstiosSchemasIsListed() throws IOException {
        Path crds = IstioTestData.crdFile();
        for (JsonNode crd : YAML.readerFor(JsonNode.class).<JsonNode>readValues(crds.toFile()).readAll()) {
            String kind = crd.path("spec").path("names").path("kind").asText();
            if (!support.describes(kind)) {
                continue;
            }
            for (JsonNode version : crd.path("spec").path("versions")) {
                assertListed(kind, SchemaPaths.of(version.path("schema").path("openAPIV3Schema").path("properties").path("spec")));
            }
        }
    }

    private void assertListed(String kind, Set<String> schemaPaths) {
        List<String> rows = new ArrayList<>();
        support.rows().stream().filter(r -> r.kind().equals(kind)).forEach(r -> rows.add(r.path()));
        Set<String> missing = new TreeSet<>();
        for (String path : schemaPaths) {
            // a row for the field or one above it decides; an open object the schema leaves unspecified is
            // detailed by the rows below it
            boolean listed = rows.stream().anyMatch(r -> r.isEmpty() || path.equals(r) || path.startsWith(r + ".")
                    || path.startsWith(r + "[]") || r.startsWith(path + ".") || r.startsWith(path + "[]"));
            if (!listed) {
                missing.add(path);
            }
        }
        assertEquals(Set.of(), missing, kind + " fields missing from field-support.yaml");
    }
}
