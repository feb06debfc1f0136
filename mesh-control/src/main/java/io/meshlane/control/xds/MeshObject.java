package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One hosted configuration object as the xDS side sees it: its kind ({@code VirtualService},
 * {@code DestinationRule}, {@code ServiceEntry}, {@code WorkloadEntry}, {@code Sidecar}, {@code Namespace}, {@code TestLane}), namespace
 * (empty for cluster-scoped kinds), name, the object itself and the store revision it was read at.
 */
record MeshObject(String kind, String namespace, String name, JsonNode object, long revision) {
    static final String VIRTUAL_SERVICE = "VirtualService";
    static final String DESTINATION_RULE = "DestinationRule";
    static final String SERVICE_ENTRY = "ServiceEntry";
    static final String WORKLOAD_ENTRY = "WorkloadEntry";
    static final String SIDECAR = "Sidecar";
    static final String NAMESPACE = "Namespace";
    static final String TEST_LANE = "TestLane";

    String key() {
        return kind + "/" + namespace + "/" + name;
    }

    JsonNode spec() {
        return object.path("spec");
    }
}
