package io.meshlane.installer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code meshlane aggregation} renders the chart's aggregation templates: mesh-control's real CA
 * and one APIService per hosted group-version, a Service that reaches mesh-control by IP or name.
 */
class AggregationCommandTest {

    @TempDir
    Path data;

    @Test
    void rendersAServiceAndAnApiServicePerGroupVersionWithTheControlPlanesCa() throws Exception {
        Path caFile;
        try (ControlPlane control = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(data).withListen("127.0.0.1", 0))) {
            caFile = control.caCertificate();
        }
        byte[] ca = Files.readAllBytes(caFile);
        Run ip = run("--control-plane", "https://10.0.0.5:6443", "--ca-file", caFile.toString());
        assertEquals(0, ip.exit(), ip.err());
        List<JsonNode> docs = parse(ip.out());
        assertEquals("Namespace", docs.get(0).path("kind").asText(), "first the namespace the rest lives in");
        JsonNode service = kind(docs, "Service").get(0);
        assertEquals("10.0.0.5", kind(docs, "Endpoints").get(0).at("/subsets/0/addresses/0/ip").asText());
        List<JsonNode> apis = kind(docs, "APIService");
        assertEquals(9, apis.size(), "Istio's networking, security, telemetry versions, meshlane.io and the external metrics API");
        // a member cluster's own HPA or KEDA reads the mesh's metrics through this one
        JsonNode external = apis.stream().filter(a -> a.at("/metadata/name").asText().equals("v1beta1.external.metrics.k8s.io"))
                .findFirst().orElseThrow(() -> new AssertionError("no APIService for external.metrics.k8s.io: " + ip.out()));
        assertEquals("external.metrics.k8s.io", external.at("/spec/group").asText());
        assertEquals("v1beta1", external.at("/spec/version").asText());
        assertEquals(service.at("/metadata/name").asText(), external.at("/spec/service/name").asText());
        assertArrayEquals(ca, Base64.getDecoder().decode(external.at("/spec/caBundle").asText()));
        JsonNode networking = apis.get(0);
        assertEquals("APIService", networking.path("kind").asText());
        assertEquals("v1.networking.istio.io", networking.at("/metadata/name").asText());
        assertEquals(service.at("/metadata/name").asText(), networking.at("/spec/service/name").asText());
        assertEquals(6443, networking.at("/spec/service/port").asInt());
        assertArrayEquals(ca, Base64.getDecoder().decode(networking.at("/spec/caBundle").asText()));

        Run named = run("--control-plane", "https://mesh.example.org:443", "--ca-file", caFile.toString(), "--group-versions", "meshlane.io/v1alpha1");
        List<JsonNode> namedDocs = parse(named.out());
        assertEquals("ExternalName", kind(namedDocs, "Service").get(0).at("/spec/type").asText());
        assertEquals("mesh.example.org", kind(namedDocs, "Service").get(0).at("/spec/externalName").asText());
        assertEquals(3, namedDocs.size());
        assertEquals(List.of("v1alpha1.meshlane.io"), kind(namedDocs, "APIService").stream().map(a -> a.at("/metadata/name").asText()).toList());
    }

    @Test
    void badInputsAreRefusedWithWhatToDo() throws Exception {
        Path pem = Files.writeString(data.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        Path junk = Files.writeString(data.resolve("junk.crt"), "junk");
        Run http = run("--control-plane", "http://x:80", "--ca-file", pem.toString());
        assertEquals(2, http.exit());
        assertTrue(http.err().contains("https://host:port"), http.err());
        Run notPem = run("--control-plane", "https://x:1", "--ca-file", junk.toString());
        assertTrue(notPem.err().contains("not a PEM certificate") && notPem.err().contains("ca.crt"), notPem.err());
        assertTrue(run("--control-plane", "https://x:1", "--ca-file", pem.toString(), "--group-versions", "networking.istio.io").err()
                .contains("is not group/version"));
        assertTrue(run("--control-plane", "https://x:1", "--ca-file", data.resolve("absent").toString()).err().contains("--ca-file"));
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new AggregationCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private record Run(int exit, String out, String err) {
    }

    private static List<JsonNode> kind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static List<JsonNode> parse(String yaml) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        var it = new ObjectMapper().readValues(new YAMLFactory().createParser(yaml), JsonNode.class);
        while (it.hasNext()) {
            JsonNode doc = it.next();
            if (doc != null && !doc.isEmpty()) {
                docs.add(doc);
            }
        }
        return docs;
    }
}
