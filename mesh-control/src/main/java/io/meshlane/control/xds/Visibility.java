package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Which namespaces may see a configuration object, Istio's exportTo: the {@code spec.exportTo} list of a
 * VirtualService, DestinationRule or ServiceEntry, or a Service's {@code networking.istio.io/exportTo}
 * annotation (comma-separated); when it names none, the mesh-wide default of its kind ({@link MeshDefaults}).
 * Absent or {@code *}: every namespace; {@code .}: the object's own
 * namespace; {@code ~}: none; any other entry names a namespace. The one place the rule lives; the
 * translators ask it with the client's namespace (from its workload certificate on the mTLS port, from its
 * node metadata on plaintext loopback).
 */
final class Visibility {
    static final String ANNOTATION = "networking.istio.io/exportTo";

    private Visibility() {
    }

    static boolean visibleTo(MeshObject object, String clientNamespace, List<String> meshDefault) {
        return visible(exportTo(object, meshDefault), object.namespace(), clientNamespace);
    }

    static boolean visible(List<String> exportTo, String ownNamespace, String clientNamespace) {
        if (exportTo.isEmpty()) {
            return true;
        }
        for (String e : exportTo) {
            if (e.equals("*") || e.equals(clientNamespace) || e.equals(".") && ownNamespace.equals(clientNamespace)) {
                return true;
            }
        }
        return false;
    }

    /** The object's exportTo, or the mesh-wide default for its kind when it names none. */
    static List<String> exportTo(MeshObject object, List<String> meshDefault) {
        List<String> own = exportTo(object);
        return own.isEmpty() ? meshDefault : own;
    }

    private static List<String> exportTo(MeshObject object) {
        List<String> out = new ArrayList<>();
        JsonNode list = object.spec().path("exportTo");
        if (list.isArray()) {
            list.forEach(e -> out.add(e.asText().trim()));
            return out;
        }
        String annotation = object.object().path("metadata").path("annotations").path(ANNOTATION).asText("");
        for (String e : annotation.split(",")) {
            if (!e.isBlank()) {
                out.add(e.trim());
            }
        }
        return out;
    }
}
