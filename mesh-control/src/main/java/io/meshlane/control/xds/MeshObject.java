package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One hosted configuration object as the xDS side sees it: its kind ({@code VirtualService},
 * {@code DestinationRule}, {@code ServiceEntry}, {@code WorkloadEntry}, {@code Namespace}), namespace
 * (empty for cluster-scoped kinds), name, the object itself and the store revision it was read at.
 */
public record MeshObject(String kind, String namespace, String name, JsonNode object, long revision) {
    public static final String VIRTUAL_SERVICE = "VirtualService";
    public static final String DESTINATION_RULE = "DestinationRule";
    public static final String SERVICE_ENTRY = "ServiceEntry";
    public static final String WORKLOAD_ENTRY = "WorkloadEntry";
    public static final String NAMESPACE = "Namespace";

    public String key() {
        return kind + "/" + namespace + "/" + name;
    }

    public JsonNode spec() {
        return object.path("spec");
    }
}
