package io.meshlane.control.telemetry.istio;

import io.meshlane.control.telemetry.signals.Peer;
import java.util.Map;

/** Reads Istio's standard source_ and destination_ labels; Istio's "unknown" placeholder becomes "". */
final class IstioLabels {
    private IstioLabels() {
    }

    static Peer source(Map<String, String> l) {
        return new Peer(clean(l.get("source_cluster")), clean(l.get("source_workload_namespace")),
                clean(l.get("source_workload")), clean(l.get("source_canonical_service")));
    }

    static Peer destination(Map<String, String> l) {
        String service = clean(l.get("destination_canonical_service"));
        if (service.isEmpty()) {
            service = clean(l.get("destination_service_name"));
        }
        return new Peer(clean(l.get("destination_cluster")), clean(l.get("destination_workload_namespace")),
                clean(l.get("destination_workload")), service);
    }

    static int responseCode(Map<String, String> l) {
        String code = l.get("response_code");
        if (code == null || code.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(code.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Istio's own rule: 5xx, or a gRPC status other than OK when the call was gRPC. */
    static boolean error(Map<String, String> l, int responseCode) {
        String grpc = clean(l.get("grpc_response_status"));
        return responseCode >= 500 || (!grpc.isEmpty() && !grpc.equals("0"));
    }

    static String reporter(Map<String, String> l) {
        return clean(l.get("reporter"));
    }

    private static String clean(String v) {
        return v == null || v.equals("unknown") ? "" : v;
    }
}
