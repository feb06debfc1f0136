package io.meshlane.control.crd;

import java.util.List;
import java.util.Optional;

/**
 * A servable kind: names, scope and versions. Built-in kinds (namespaces, CRDs, meshlane's own)
 * and kinds defined by stored CustomResourceDefinitions look alike to the API.
 */
public record ResourceKind(String group, String kind, String listKind, String plural, String singular,
                           List<String> shortNames, List<String> categories, boolean namespaced,
                           List<KindVersion> versions) {

    public Optional<KindVersion> version(String name) {
        return versions.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    public KindVersion storageVersion() {
        return versions.stream().filter(KindVersion::storage).findFirst().orElse(versions.getFirst());
    }

    public String apiVersion(String version) {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** {@code virtualservices.networking.istio.io}, the name used in messages. */
    public String qualifiedResource() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    /** Store key prefix of all objects of this kind (in every namespace). */
    public String keyPrefix() {
        return "/registry/" + (group.isEmpty() ? "core" : group) + "/" + plural + "/";
    }

    public String key(String namespace, String name) {
        return namespaced ? keyPrefix() + namespace + "/" + name : keyPrefix() + name;
    }

    public String keyPrefix(String namespace) {
        return namespaced && namespace != null ? keyPrefix() + namespace + "/" : keyPrefix();
    }
}
