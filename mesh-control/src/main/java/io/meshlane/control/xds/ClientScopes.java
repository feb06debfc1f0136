package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlane.control.registry.Hosts;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which service hosts one client may see, Istio's Sidecar scoping: the services exported to its namespace
 * that its Sidecar's egress hosts import ({@code namespace/dnsName}: {@code *}, {@code .} for the client's
 * namespace, a name, or {@code ~namespace/dnsName} to exclude; dnsName exact, {@code *} or
 * {@code *.suffix}), plus the destinations of the imported VirtualServices. A client no Sidecar selects sees
 * every service exported to its namespace. Scopes are kept per namespace and Sidecar until the next
 * configuration or registry change.
 */
final class ClientScopes {
    /** A client's scope; {@code key} names the namespace and Sidecar it was computed for. */
    record Scope(String key, String namespace, Set<String> hosts) {
        boolean sees(String host) {
            return hosts.contains(host);
        }
    }

    private record Import(String namespace, String host, boolean excluded) {
    }

    private final ServiceRegistry registry;
    private final MeshIndex index;
    private final Map<String, Scope> scopes = new ConcurrentHashMap<>();

    ClientScopes(ServiceRegistry registry, MeshIndex index) {
        this.registry = registry;
        this.index = index;
    }

    void invalidate() {
        scopes.clear();
    }

    Scope of(ProxyNode node) {
        MeshObject sidecar = index.sidecarFor(node.namespace(), node.labels());
        String key = node.namespace() + "|" + (sidecar == null ? "" : MeshIndex.key(sidecar) + "@" + sidecar.revision());
        return scopes.computeIfAbsent(key, k -> compute(k, node.namespace(), sidecar));
    }

    private Scope compute(String key, String namespace, MeshObject sidecar) {
        Set<String> hosts = new HashSet<>();
        List<Import> imports = sidecar == null ? null : imports(sidecar, namespace);
        for (MeshService s : registry.services()) {
            if (index.serviceVisible(s, namespace) && (imports == null || imported(imports, s.namespace(), s.hostname()))) {
                hosts.add(s.hostname());
            }
        }
        if (imports != null) {
            addVirtualServiceDestinations(imports, namespace, hosts);
        }
        return new Scope(key, namespace, Set.copyOf(hosts));
    }

    /** The egress hosts of a Sidecar applied in {@code namespace} (a root-namespace Sidecar's "." is the client's). */
    private static List<Import> imports(MeshObject sidecar, String namespace) {
        List<Import> out = new ArrayList<>();
        JsonNode egress = sidecar.spec().path("egress");
        if (!egress.isArray() || egress.isEmpty()) {
            out.add(new Import("*", "*", false));
            return out;
        }
        for (JsonNode listener : egress) {
            for (JsonNode h : listener.path("hosts")) {
                String text = h.asText();
                int slash = text.indexOf('/');
                if (slash < 0) {
                    continue; // refused by validation; imports nothing here
                }
                String ns = text.substring(0, slash);
                boolean excluded = ns.startsWith("~");
                if (excluded) {
                    ns = ns.length() == 1 ? "*" : ns.substring(1);
                }
                out.add(new Import(ns.equals(".") ? namespace : ns, text.substring(slash + 1), excluded));
            }
        }
        return out;
    }

    private static boolean imported(List<Import> imports, String namespace, String host) {
        boolean in = false;
        for (Import i : imports) {
            if ((i.namespace().equals("*") || i.namespace().equals(namespace)) && Hosts.matches(i.host(), host)) {
                if (i.excluded()) {
                    return false;
                }
                in = true;
            }
        }
        return in;
    }

    /** Istio adds the destinations of the VirtualServices a Sidecar imports, so their routes have clusters. */
    private void addVirtualServiceDestinations(List<Import> imports, String namespace, Set<String> hosts) {
        for (MeshService s : registry.services()) {
            for (MeshObject vs : index.virtualServicesFor(s.hostname())) {
                if (!Visibility.visibleTo(vs, namespace, index.defaults().virtualServiceExportTo())
                        || !imported(imports, vs.namespace(), s.hostname())) {
                    continue;
                }
                for (String d : destinations(vs)) {
                    registry.service(d).filter(ds -> index.serviceVisible(ds, namespace)).ifPresent(ds -> hosts.add(ds.hostname()));
                }
            }
        }
    }

    private List<String> destinations(MeshObject vs) {
        List<String> out = new ArrayList<>();
        collect(vs, out);
        for (JsonNode http : vs.spec().path("http")) {
            JsonNode ref = http.path("delegate");
            if (ref.isObject()) {
                MeshObject delegate = index.virtualService(ref.path("namespace").asText(vs.namespace()) + "/" + ref.path("name").asText());
                if (delegate != null) {
                    collect(delegate, out);
                }
            }
        }
        return out;
    }

    private static void collect(MeshObject vs, List<String> out) {
        for (JsonNode http : vs.spec().path("http")) {
            for (JsonNode route : http.path("route")) {
                String host = route.path("destination").path("host").asText("");
                if (!host.isBlank()) {
                    out.add(Hosts.fqdn(host, vs.namespace()));
                }
            }
        }
    }
}
