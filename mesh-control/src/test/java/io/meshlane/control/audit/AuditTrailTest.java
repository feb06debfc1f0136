package io.meshlane.control.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.Kubectl;
import io.meshlane.control.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Who changed what: every write and every refusal through the real kubectl lands in the audit log, no secret does. */
class AuditTrailTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE = "alice-s3cret-token";

    private Path dataDir;
    private ControlPlane plane;

    @AfterEach
    void stop() {
        if (plane != null) {
            plane.close();
        }
        TempDirs.delete(dataDir);
    }

    private Kubectl start(String accessYaml) throws Exception {
        dataDir = Files.createTempDirectory("meshlane-audit");
        Files.writeString(dataDir.resolve("access.yaml"), accessYaml);
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0));
        return new Kubectl(plane.kubeconfig());
    }

    @Test
    void writesAndRefusalsAreRecordedWithWhoWhatAndTheAnswer() throws Exception {
        Kubectl admin = start("""
                tokens:
                - {token: %s, user: alice, groups: [team-a]}
                rules:
                - {groups: [team-a], namespaces: [team-a]}
                """.formatted(ALICE));
        admin.ok("create", "namespace", "team-a");
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: %s}
                spec: {hosts: [reviews]}
                """;
        admin.ok("get", "namespaces");
        assertTrue(admin.runWithInput(vs.formatted("team-a"), "--token", ALICE, "apply", "-f", "-").ok());
        Kubectl.Result refused = admin.runWithInput(vs.formatted("default"), "--token", ALICE, "apply", "-f", "-");
        assertTrue(refused.err().contains("forbidden"), refused.toString());
        admin.ok("--token", ALICE, "delete", "vs", "reviews", "-n", "team-a");
        assertEquals(401, new ApiClient(plane.url(), plane.caCertificate(), "wrong").get("/api/v1/namespaces").statusCode());

        List<JsonNode> events = events(plane.auditLog());
        JsonNode ns = find(events, "meshlane-admin", "create", "namespaces").orElseThrow(() -> new AssertionError(events.toString()));
        assertEquals("team-a", ns.path("objectRef").path("name").asText());
        assertEquals(201, ns.path("responseStatus").path("code").asInt());
        assertEquals("audit.k8s.io/v1", ns.path("apiVersion").asText());
        JsonNode created = events.stream().filter(e -> e.path("user").path("username").asText().equals("alice")
                && e.path("objectRef").path("namespace").asText().equals("team-a") && e.path("responseStatus").path("code").asInt() == 201)
                .findFirst().orElseThrow(() -> new AssertionError("alice's create in team-a: " + events));
        assertEquals("virtualservices", created.path("objectRef").path("resource").asText());
        assertEquals("networking.istio.io", created.path("objectRef").path("apiGroup").asText());
        assertTrue(List.of("create", "patch").contains(created.path("verb").asText()), created.toString());
        assertTrue(events.stream().anyMatch(e -> e.path("user").path("username").asText().equals("alice")
                && e.path("objectRef").path("namespace").asText().equals("default") && e.path("responseStatus").path("code").asInt() == 403),
                "the refused write in default: " + events);
        JsonNode deleted = find(events, "alice", "delete", "virtualservices").orElseThrow(() -> new AssertionError(events.toString()));
        assertEquals("reviews", deleted.path("objectRef").path("name").asText());
        assertEquals(200, deleted.path("responseStatus").path("code").asInt());
        assertTrue(events.stream().anyMatch(e -> e.path("user").path("username").asText().equals("system:anonymous")
                && e.path("requestURI").asText().equals("/api/v1/namespaces") && e.path("responseStatus").path("code").asInt() == 401),
                "the 401: " + events);
        assertFalse(events.stream().anyMatch(e -> e.path("responseStatus").path("code").asInt() == 200
                && e.path("verb").asText().equals("list")), "successful reads are not recorded by default: " + events);

        String raw = Files.readString(plane.auditLog());
        assertFalse(raw.contains(ALICE) || raw.contains(plane.token()) || raw.contains("\"hosts\""), "no token or body in the audit log");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(plane.auditLog())));
    }

    @Test
    void readsAreRecordedWhenAskedAndAWrongSectionSaysWhatToFix() throws Exception {
        Kubectl admin = start("audit: {reads: true}\n");
        admin.ok("get", "namespaces");
        assertTrue(find(events(plane.auditLog()), "meshlane-admin", "list", "namespaces").isPresent());
        plane.close();
        plane = null;
        Files.writeString(dataDir.resolve("access.yaml"), "audit: {maxSizeMB: 0}\n");
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0)));
        assertTrue(e.getMessage().contains("access.yaml") && e.getMessage().contains("audit.maxSizeMB"), e.getMessage());
    }

    private static Optional<JsonNode> find(List<JsonNode> events, String user, String verb, String resource) {
        return events.stream().filter(e -> e.path("user").path("username").asText().equals(user) && e.path("verb").asText().equals(verb)
                && e.path("objectRef").path("resource").asText().equals(resource)).findFirst();
    }

    private static List<JsonNode> events(Path log) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }
}
