package io.meshlane.control.crd;

import java.util.List;

/** Kinds served without a CRD: core v1 namespaces and CustomResourceDefinitions themselves. */
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
}
