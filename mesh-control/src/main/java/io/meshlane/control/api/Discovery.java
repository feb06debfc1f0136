package io.meshlane.control.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.crd.KindVersion;
import io.meshlane.control.crd.ResourceKind;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Discovery documents: {@code /api}, {@code /api/v1}, {@code /apis}, {@code /apis/<g>}, {@code /apis/<g>/<v>}. */
public final class Discovery {

    private static final List<String> VERBS = List.of("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch");

    private final KindRegistry registry;

    public Discovery(KindRegistry registry) {
        this.registry = registry;
    }

    public ObjectNode coreVersions(String serverAddress) {
        ObjectNode o = Json.object().put("kind", "APIVersions");
        o.putArray("versions").add("v1");
        o.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress);
        return o;
    }

    /** Group name to its versions, highest priority first. */
    Map<String, List<String>> groups() {
        Map<String, TreeSet<String>> versions = new LinkedHashMap<>();
        registry.all().stream().filter(k -> !k.group().isEmpty())
                .sorted((a, b) -> a.group().compareTo(b.group()))
                .forEach(k -> k.versions().forEach(v -> versions.computeIfAbsent(k.group(), g -> new TreeSet<>(VersionOrder.PRIORITY)).add(v.name())));
        Map<String, List<String>> out = new LinkedHashMap<>();
        versions.forEach((g, v) -> out.put(g, new ArrayList<>(v)));
        return out;
    }

    public ObjectNode groupList() {
        ObjectNode o = Json.object().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = o.putArray("groups");
        groups().forEach((g, versions) -> groups.add(group(g, versions)));
        return o;
    }

    public ObjectNode group(String name) {
        List<String> versions = groups().get(name);
        if (versions == null) {
            throw ApiError.notFoundPath("/apis/" + name);
        }
        return group(name, versions).put("kind", "APIGroup").put("apiVersion", "v1");
    }

    private static ObjectNode group(String name, List<String> versions) {
        ObjectNode g = Json.object().put("name", name);
        ArrayNode list = g.putArray("versions");
        versions.forEach(v -> list.addObject().put("groupVersion", name + "/" + v).put("version", v));
        g.putObject("preferredVersion").put("groupVersion", name + "/" + versions.getFirst()).put("version", versions.getFirst());
        return g;
    }

    public ObjectNode resources(String group, String version) {
        ObjectNode o = Json.object().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode resources = o.putArray("resources");
        boolean any = false;
        for (ResourceKind k : registry.all()) {
            if (!k.group().equals(group)) {
                continue;
            }
            for (KindVersion v : k.versions()) {
                if (!v.name().equals(version)) {
                    continue;
                }
                any = true;
                ObjectNode r = resources.addObject().put("name", k.plural()).put("singularName", k.singular())
                        .put("namespaced", k.namespaced()).put("kind", k.kind());
                VERBS.forEach(r.putArray("verbs")::add);
                if (!k.shortNames().isEmpty()) {
                    k.shortNames().forEach(r.putArray("shortNames")::add);
                }
                if (!k.categories().isEmpty()) {
                    k.categories().forEach(r.putArray("categories")::add);
                }
                if (v.statusSubresource()) {
                    ObjectNode status = resources.addObject().put("name", k.plural() + "/status").put("singularName", "")
                            .put("namespaced", k.namespaced()).put("kind", k.kind());
                    List.of("get", "patch", "update").forEach(status.putArray("verbs")::add);
                }
            }
        }
        if (!any) {
            throw ApiError.notFoundPath(group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
        }
        return o;
    }
}
