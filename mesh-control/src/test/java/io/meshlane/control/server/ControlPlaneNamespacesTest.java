package io.meshlane.control.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Namespaces a launcher registers ({@code meshlane up}'s lab): created with their labels once, never clobbered by a restart. */
class ControlPlaneNamespacesTest {

    private static ControlPlane start(Path dir) {
        return ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF)));
    }

    @Test
    void aRegisteredNamespaceServesItsLabelsAndARestartKeepsTheUsersEdits() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-namespaces");
        try {
            try (ControlPlane plane = start(dir)) {
                assertTrue(plane.ensureNamespace("fast", Map.of("meshlane.io/lab", "up", "istio-injection", "enabled")));
                ApiClient api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
                JsonNode fast = new ObjectMapper().readTree(api.get("/api/v1/namespaces/fast").body());
                assertEquals("up", fast.at("/metadata/labels/meshlane.io~1lab").asText(), fast.toString());
                assertEquals("Active", fast.at("/status/phase").asText());
                HttpResponse<String> edit = api.send("PATCH", "/api/v1/namespaces/fast", "application/merge-patch+json",
                        "{\"metadata\":{\"labels\":{\"team\":\"payments\",\"istio-injection\":null}}}".getBytes(StandardCharsets.UTF_8));
                assertEquals(200, edit.statusCode(), edit.body());
            }
            try (ControlPlane plane = start(dir)) {
                assertFalse(plane.ensureNamespace("fast", Map.of("meshlane.io/lab", "up", "istio-injection", "enabled")),
                        "the namespace exists: nothing is written");
                ApiClient api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
                JsonNode labels = new ObjectMapper().readTree(api.get("/api/v1/namespaces/fast").body()).at("/metadata/labels");
                assertEquals("payments", labels.path("team").asText(), labels.toString());
                assertTrue(labels.path("istio-injection").isMissingNode(), "the label the user removed stays removed: " + labels);
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
