package io.meshlane.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;

/** meshlane's own built-in kinds, defined as CRD documents shipped in the jar. */
public final class MeshKinds {
    private MeshKinds() {
    }

    /** {@code meshlane.io/v1alpha1 AccelerationPolicy}. */
    public static JsonNode accelerationPolicyCrd() {
        try (InputStream in = MeshKinds.class.getResourceAsStream("accelerationpolicy-crd.yaml")) {
            if (in == null) {
                throw new IllegalStateException("accelerationpolicy-crd.yaml is missing from the mesh-control jar; rebuild it");
            }
            return new ObjectMapper(new YAMLFactory()).readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the AccelerationPolicy CRD: " + e.getMessage(), e);
        }
    }
}
