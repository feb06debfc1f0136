package io.meshlane.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;

/** Istio's rule for where a VirtualService applies: to the mesh's sidecars unless {@code gateways} names others only, and to the gateways it names. */
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

    /**
     * True when the VirtualService (in {@code vsNamespace}) names the Gateway {@code gatewayNamespace/gatewayName}:
     * as {@code namespace/name}, or as a bare name resolved in the VirtualService's own namespace.
     */
    public static boolean boundTo(JsonNode virtualServiceSpec, String vsNamespace, String gatewayNamespace, String gatewayName) {
        for (JsonNode g : virtualServiceSpec.path("gateways")) {
            String ref = g.asText();
            int slash = ref.indexOf('/');
            String ns = slash < 0 ? vsNamespace : ref.substring(0, slash);
            String name = slash < 0 ? ref : ref.substring(slash + 1);
            if (ns.equals(gatewayNamespace) && name.equals(gatewayName)) {
                return true;
            }
        }
        return false;
    }

    /** True when the VirtualService names at least one gateway other than "mesh". */
    public static boolean bindsGateways(JsonNode virtualServiceSpec) {
        for (JsonNode g : virtualServiceSpec.path("gateways")) {
            if (!g.asText().equals(MESH)) {
                return true;
            }
        }
        return false;
    }
}
