package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Sidecar's {@code ingress} listeners: when a client's Sidecar has any, they replace the inbound ports
 * its services' endpoints imply, each delivering to its {@code defaultEndpoint} ({@code 127.0.0.1:PORT} or
 * {@code 0.0.0.0:PORT}, both the workload's loopback here; absent: the same port).
 */
final class SidecarIngress {
    record Port(int number, boolean http, int targetPort) {
    }

    private SidecarIngress() {
    }

    /** The ingress ports of a Sidecar; empty when it has none (or no Sidecar applies). */
    static List<Port> of(MeshObject sidecar) {
        List<Port> out = new ArrayList<>();
        if (sidecar == null) {
            return out;
        }
        for (JsonNode in : sidecar.spec().path("ingress")) {
            int number = in.path("port").path("number").asInt(0);
            if (number <= 0 || number > 65535) {
                continue; // refused by Istio's validation; no listener
            }
            String protocol = in.path("port").path("protocol").asText("TCP").toUpperCase(Locale.ROOT);
            String endpoint = in.path("defaultEndpoint").asText("");
            int target = number;
            int colon = endpoint.lastIndexOf(':');
            if (colon > 0 && !endpoint.startsWith("unix://")) {
                try {
                    target = Integer.parseInt(endpoint.substring(colon + 1));
                } catch (NumberFormatException e) {
                    target = number;
                }
            }
            out.add(new Port(number, protocol.startsWith("HTTP") || protocol.startsWith("GRPC"), target));
        }
        return out;
    }
}
