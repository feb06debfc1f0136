package io.meshlane.installer.aggregation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The member-cluster manifests carry mesh-control's real CA and one APIService per hosted group-version. */
class AggregationManifestsTest {

    @TempDir
    Path data;

    @Test
    void rendersAServiceAndAnApiServicePerGroupVersionWithTheControlPlanesCa() throws Exception {
        byte[] ca;
        try (ControlPlane control = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(data).withListen("127.0.0.1", 0))) {
            ca = Files.readAllBytes(control.caCertificate());
        }
        List<JsonNode> ipDocs = parse(new AggregationManifests(URI.create("https://10.0.0.5:6443"), ca)
                .render(AggregationManifests.HOSTED));
        assertEquals(List.of("Namespace", "Service", "Endpoints"), ipDocs.subList(0, 3).stream().map(d -> d.path("kind").asText()).toList());
        assertEquals("10.0.0.5", ipDocs.get(2).at("/subsets/0/addresses/0/ip").asText());
        List<JsonNode> apis = ipDocs.subList(3, ipDocs.size());
        assertEquals(AggregationManifests.HOSTED.size(), apis.size());
        JsonNode networking = apis.get(0);
        assertEquals("APIService", networking.path("kind").asText());
        assertEquals("v1.networking.istio.io", networking.at("/metadata/name").asText());
        assertEquals("meshlane-control", networking.at("/spec/service/name").asText());
        assertEquals(6443, networking.at("/spec/service/port").asInt());
        assertArrayEquals(ca, Base64.getDecoder().decode(networking.at("/spec/caBundle").asText()));

        List<JsonNode> named = parse(new AggregationManifests(URI.create("https://mesh.example.org:443"), ca)
                .render(List.of("meshlane.io/v1alpha1")));
        assertEquals("ExternalName", named.get(1).at("/spec/type").asText());
        assertEquals("mesh.example.org", named.get(1).at("/spec/externalName").asText());
        assertEquals("v1alpha1.meshlane.io", named.get(2).at("/metadata/name").asText());
    }

    @Test
    void badInputsAreRefusedWithWhatToDo() {
        byte[] pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".getBytes();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AggregationManifests(URI.create("http://x:80"), pem))
                .getMessage().contains("https://host:port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AggregationManifests(URI.create("https://x:1"), "junk".getBytes()))
                .getMessage().contains("ca.crt"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AggregationManifests(URI.create("https://x:1"), pem)
                .render(List.of("networking.istio.io"))).getMessage().contains("group/version"));
    }

    private static List<JsonNode> parse(String yaml) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        var parser = new YAMLFactory().createParser(yaml);
        var mapper = new ObjectMapper();
        var it = mapper.readValues(parser, JsonNode.class);
        while (it.hasNext()) {
            docs.add(it.next());
        }
        return docs;
    }
}
