package io.meshlane.control.xds;

/** Istio's cluster names: {@code outbound|9080|v1|reviews.default.svc.cluster.local}. */
final class ClusterNames {
    private ClusterNames() {
    }

    static String outbound(int port, String subset, String fqdn) {
        return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + fqdn;
    }

    /** {@code [direction, port, subset, host]} of an Istio cluster name, or null if it is not one. */
    static String[] parse(String name) {
        String[] parts = name.split("\\|", -1);
        if (parts.length != 4 || !(parts[0].equals("outbound") || parts[0].equals("inbound"))) {
            return null;
        }
        try {
            Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return null;
        }
        return parts;
    }
}
