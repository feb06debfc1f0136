package io.meshlane.control.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.crd.ResourceKind;
import io.meshlane.control.store.ResourceStore;

/** When a namespace is deleted, its objects of every namespaced kind go with it. */
public final class NamespaceCleanup implements ResourceService.WriteListener {

    private final ResourceStore store;
    private final KindRegistry registry;

    public NamespaceCleanup(ResourceStore store, KindRegistry registry) {
        this.store = store;
        this.registry = registry;
    }

    @Override
    public void written(ResourceKind kind, ObjectNode object, boolean deleted) {
        if (!deleted || !kind.group().isEmpty() || !kind.plural().equals("namespaces")) {
            return;
        }
        String namespace = object.path("metadata").path("name").asText();
        for (ResourceKind k : registry.all()) {
            if (!k.namespaced()) {
                continue;
            }
            store.deleteAll(k.keyPrefix(namespace));
        }
    }
}
