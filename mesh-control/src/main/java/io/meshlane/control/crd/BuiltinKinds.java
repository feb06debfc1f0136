package io.meshlane.control.crd;

import java.util.List;

/**
 * Kinds served without a CRD: core v1 namespaces, CustomResourceDefinitions themselves and the
 * coordination.k8s.io/v1 Leases the replicas' leader election writes (read-only to users).
 */
public final class BuiltinKinds {
    private BuiltinKinds() {
    }

    private static final PrinterColumn AGE = new PrinterColumn("Age", "date", "", "", 0, ".metadata.creationTimestamp");

    public static ResourceKind namespaces() {
        return new ResourceKind("", "Namespace", "NamespaceList", "namespaces", "namespace", List.of("ns"), List.of(), false,
                List.of(new KindVersion("v1", true, null, List.of(
                        new PrinterColumn("Status", "string", "", "The phase of the namespace", 0, ".status.phase"), AGE), false)));
    }

    public static ResourceKind customResourceDefinitions() {
        return new ResourceKind("apiextensions.k8s.io", "CustomResourceDefinition", "CustomResourceDefinitionList",
                "customresourcedefinitions", "customresourcedefinition", List.of("crd", "crds"), List.of("api-extensions"), false,
                List.of(new KindVersion("v1", true, null, List.of(
                        new PrinterColumn("Created At", "string", "", "", 0, ".metadata.creationTimestamp")), true)));
    }

    public static ResourceKind leases() {
        return new ResourceKind("coordination.k8s.io", "Lease", "LeaseList", "leases", "lease", List.of(), List.of(), true,
                List.of(new KindVersion("v1", true, null, List.of(
                        new PrinterColumn("Holder", "string", "", "The replica that leads", 0, ".spec.holderIdentity"),
                        new PrinterColumn("Renewed", "string", "", "When the holder last renewed", 0, ".spec.renewTime"), AGE), false)));
    }

    /** Leases record which replica leads; only the election writes them, so a user cannot fake or end a term. */
    public static boolean writtenByElectionOnly(String group, String plural) {
        return group.equals("coordination.k8s.io") && plural.equals("leases");
    }
}
