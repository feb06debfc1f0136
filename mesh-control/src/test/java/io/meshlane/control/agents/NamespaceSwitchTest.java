package io.meshlane.control.agents;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The dashboard's namespace switch over the control plane's HTTPS API: it shows the state agents of its own cluster apply. */
class NamespaceSwitchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void showsTheStateInItsOwnClusterAndWhatOverridesTheSwitch() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-switch");
        try (ControlPlane plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dir).withListen("127.0.0.1", 0)
                .withTelemetry(TelemetryOptions.defaults().withCluster("east").withPorts(TelemetryOptions.OFF, TelemetryOptions.OFF)))) {
            ApiClient api = new ApiClient(plane.url(), plane.caCertificate(), plane.token());
            ok(api.send("POST", "/api/v1/namespaces", "application/json",
                    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\"}}".getBytes(UTF_8)));
            policy(api, "west-freeze", "Disabled", "[\"west\"]");

            JsonNode on = JSON.readTree(ok(api.send("PUT", "/telemetry/v1/namespaces/shop/acceleration", "application/json",
                    "{\"enabled\":true}".getBytes(UTF_8))));
            assertEquals("Enabled", on.path("acceleration").asText(), "a Disabled for cluster west does not hold in east: " + on);
            assertFalse(on.has("overriddenBy"), on.toString());

            policy(api, "east-freeze", "Disabled", "[\"east\"]");
            JsonNode shop = row(JSON.readTree(ok(api.get("/telemetry/v1/namespaces"))), "shop");
            assertEquals("Disabled", shop.path("acceleration").asText(), shop.toString());
            assertEquals("east-freeze (clusters [\"east\"])", shop.path("overriddenBy").asText(), shop.toString());
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static void policy(ApiClient api, String name, String acceleration, String clusters) {
        ok(api.send("POST", "/apis/meshlane.io/v1alpha1/namespaces/shop/accelerationpolicies", "application/json",
                ("{\"apiVersion\":\"meshlane.io/v1alpha1\",\"kind\":\"AccelerationPolicy\",\"metadata\":{\"name\":\"" + name
                        + "\"},\"spec\":{\"acceleration\":\"" + acceleration + "\",\"clusters\":" + clusters + "}}").getBytes(UTF_8)));
    }

    private static JsonNode row(JsonNode list, String namespace) {
        for (JsonNode r : list.path("namespaces")) {
            if (r.path("name").asText().equals(namespace)) {
                return r;
            }
        }
        throw new AssertionError("no row for " + namespace + " in " + list);
    }

    private static String ok(HttpResponse<String> response) {
        assertEquals(true, response.statusCode() / 100 == 2, response.statusCode() + " " + response.body());
        return response.body();
    }
}
