package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every kind the API serves, keyed by group and plural: built-in kinds plus one per stored
 * CustomResourceDefinition (kept current by the CRD handler and by a store watch, so that
 * replicas sharing an etcd agree).
 */
public final class KindRegistry {

    /** A resolved request target: the kind and the version that was asked for. */
    public record Served(ResourceKind kind, KindVersion version) {
    }

    private final Map<String, ResourceKind> kinds = new ConcurrentHashMap<>();
    private final Map<String, String> crdKeys = new ConcurrentHashMap<>();
    private final CrdDefinition crds;
    private final AtomicLong changes = new AtomicLong();

    public KindRegistry(CrdDefinition crds) {
        this.crds = crds;
    }

    private static String id(String group, String plural) {
        return group + "/" + plural;
    }

    public void define(ResourceKind kind) {
        kinds.put(id(kind.group(), kind.plural()), kind);
        changes.incrementAndGet();
    }

    /** Serves (or re-serves) the kind a CRD defines. */
    public void applyCrd(JsonNode crd) {
        ResourceKind kind = crds.kind(crd);
        String name = crd.path("metadata").path("name").asText();
        String previous = crdKeys.put(name, id(kind.group(), kind.plural()));
        if (previous != null && !previous.equals(id(kind.group(), kind.plural()))) {
            kinds.remove(previous);
        }
        if (kind.versions().isEmpty()) {
            kinds.remove(id(kind.group(), kind.plural()));
        } else {
            kinds.put(id(kind.group(), kind.plural()), kind);
        }
        changes.incrementAndGet();
    }

    public void removeCrd(String crdName) {
        String id = crdKeys.remove(crdName);
        if (id != null) {
            kinds.remove(id);
            changes.incrementAndGet();
        }
    }

    public Optional<Served> resolve(String group, String version, String plural) {
        ResourceKind kind = kinds.get(id(group, plural));
        if (kind == null) {
            return Optional.empty();
        }
        return kind.version(version).map(v -> new Served(kind, v));
    }

    public Collection<ResourceKind> all() {
        return List.copyOf(kinds.values());
    }

    /** Changes on every definition change; lets discovery documents be cached. */
    public long changes() {
        return changes.get();
    }
}
