package io.meshlane.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;

/** Istio's rule for where a VirtualService applies: to the mesh's sidecars unless {@code gateways} names others only. */
public final class GatewayBinding {
    public static final String MESH = "mesh";

    private GatewayBinding() {
    }

    /** True when the VirtualService applies to sidecars and proxyless clients: no gateways listed, or "mesh" among them. */
    public static boolean appliesToMesh(JsonNode virtualServiceSpec) {
        JsonNode gateways = virtualServiceSpec.path("gateways");
        if (!gateways.isArray() || gateways.isEmpty()) {
            return true;
        }
        for (JsonNode g : gateways) {
            if (g.asText().equals(MESH)) {
                return true;
            }
        }
        return false;
    }
}
