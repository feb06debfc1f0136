package io.meshlane.control.xds;

import java.util.List;

/**
 * The mesh-wide settings of Istio's MeshConfig that decide what a client sees: the root namespace (whose
 * Sidecar without a selector and whose DestinationRules apply to every namespace) and the exportTo used
 * when a Service, VirtualService or DestinationRule names none ({@code *}, {@code .} or namespaces).
 */
public record MeshDefaults(String rootNamespace, List<String> serviceExportTo, List<String> virtualServiceExportTo,
                           List<String> destinationRuleExportTo) {
    public static final String ROOT_NAMESPACE = "istio-system";

    public MeshDefaults {
        rootNamespace = rootNamespace == null || rootNamespace.isBlank() ? ROOT_NAMESPACE : rootNamespace;
        serviceExportTo = checked(serviceExportTo, "defaultServiceExportTo");
        virtualServiceExportTo = checked(virtualServiceExportTo, "defaultVirtualServiceExportTo");
        destinationRuleExportTo = checked(destinationRuleExportTo, "defaultDestinationRuleExportTo");
    }

    /** Istio's defaults: root namespace istio-system, everything exported everywhere. */
    public static MeshDefaults defaults() {
        return new MeshDefaults(ROOT_NAMESPACE, List.of(), List.of(), List.of());
    }

    private static List<String> checked(List<String> exportTo, String what) {
        if (exportTo == null) {
            return List.of();
        }
        List<String> out = exportTo.stream().map(String::trim).filter(e -> !e.isEmpty()).toList();
        for (String e : out) {
            if (!e.equals("*") && !e.equals(".") && !e.equals("~") && !e.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
                throw new IllegalArgumentException(what + " entry '" + e + "' is neither *, ., ~ nor a namespace name");
            }
        }
        return out;
    }
}
