package io.meshlane.control.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.CrdDefinition;
import io.meshlane.control.crd.ObjectValidation;
import io.meshlane.control.crd.ResourceKind;
import io.meshlane.control.store.ResourceStore;

/** When a CustomResourceDefinition is deleted, the objects of its kind go with it, as in Kubernetes. */
public final class CrdCleanup implements ResourceService.WriteListener {

    private final ResourceStore store;
    private final CrdDefinition crds;

    public CrdCleanup(ResourceStore store, CrdDefinition crds) {
        this.store = store;
        this.crds = crds;
    }

    @Override
    public void written(ResourceKind kind, ObjectNode object, boolean deleted) {
        if (!deleted || !ObjectValidation.isCrd(kind)) {
            return;
        }
        ResourceKind defined = crds.kind(object);
        store.deleteAll(defined.keyPrefix());
    }
}
