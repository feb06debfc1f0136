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
        return crd("accelerationpolicy-crd.yaml");
    }

    /** {@code meshlane.io/v1alpha1 NodeAcceleration}: each node's state, from its agent's reports. */
    public static JsonNode nodeAccelerationCrd() {
        return crd("nodeacceleration-crd.yaml");
    }

    /** {@code meshlane.io/v1alpha1 TestLane}: one team's lane through a shared test environment. */
    public static JsonNode testLaneCrd() {
        return crd("testlane-crd.yaml");
    }

    /** {@code meshlane.io/v1alpha1 MetricAutoscaler}: a workload's replicas from the mesh's metrics. */
    public static JsonNode metricAutoscalerCrd() {
        return crd("metricautoscaler-crd.yaml");
    }

    /** {@code meshlane.io/v1alpha1 MemberClusterCredential}: the kubeconfig the autoscaling engine reaches a member cluster with. */
    public static JsonNode memberClusterCredentialCrd() {
        return crd("memberclustercredential-crd.yaml");
    }

    /**
     * Kinds that hold secrets for the control plane's own use: the API refuses every read of them (get, list, watch)
     * to every caller, administrators included, and answers writes without the secret; the engine reads the store.
     */
    public static boolean readByEngineOnly(String group, String plural) {
        return group.equals("meshlane.io") && plural.equals("memberclustercredentials");
    }

    /**
     * Kinds that only mesh-control's agents' endpoint writes (from what an agent proved about its
     * own node); the Kubernetes API serves them read-only to everyone, administrators included.
     */
    public static boolean writtenByAgentsOnly(String group, String plural) {
        return group.equals("meshlane.io") && plural.equals("nodeaccelerations");
    }

    private static JsonNode crd(String resource) {
        try (InputStream in = MeshKinds.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the mesh-control jar; rebuild it");
            }
            return new ObjectMapper(new YAMLFactory()).readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in CRD " + resource + ": " + e.getMessage(), e);
        }
    }
}
