package io.meshlane.control.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.meshlane.control.registry.Locality;
import java.util.HashMap;
import java.util.Map;

/**
 * What the server knows about a connected proxy, from its xDS {@code Node}: Istio's node id
 * ({@code sidecar~10.0.0.1~pod-1.default~default.svc.cluster.local}), namespace, locality, labels and
 * whether it is a proxyless gRPC client (metadata {@code GENERATOR=grpc}, or a gRPC user agent) or an
 * Envoy sidecar.
 */
record ProxyNode(String id, Type type, String ip, String pod, String namespace, Locality locality,
                        Map<String, String> labels, String network, String cluster) {
    /** An Envoy sidecar, a proxyless gRPC client or server, or an Envoy gateway (node id {@code router~…}). */
    enum Type { SIDECAR, PROXYLESS, ROUTER }

    /**
     * Parses the node of a client authenticated as a workload of {@code identityNamespace}: the certificate's
     * namespace is the node's (a bootstrap without one gets it); a bootstrap naming another namespace is
     * refused with a SecurityException, since the namespace decides which configuration it may read.
     */
    static ProxyNode parse(Node node, String identityNamespace) {
        Node withNamespace = node;
        if (string(node.getMetadata(), "NAMESPACE").isEmpty() && !node.getId().startsWith("sidecar~") && !node.getId().startsWith("router~")) {
            withNamespace = node.toBuilder().setMetadata(node.getMetadata().toBuilder()
                    .putFields("NAMESPACE", Value.newBuilder().setStringValue(identityNamespace).build())).build();
        }
        ProxyNode parsed = parse(withNamespace);
        if (!parsed.namespace().equals(identityNamespace)) {
            throw new SecurityException("the node '" + node.getId() + "' says namespace " + parsed.namespace()
                    + " but its workload certificate is for namespace " + identityNamespace
                    + "; fix node.id / node.metadata.NAMESPACE in the bootstrap or use that namespace's certificate");
        }
        return parsed;
    }

    /** Parses a node; fails with a message naming the expected form when the id is malformed. */
    static ProxyNode parse(Node node) {
        String id = node.getId();
        Struct md = node.getMetadata();
        String namespace = string(md, "NAMESPACE");
        String[] parts = id.split("~", -1);
        String ip = "";
        String pod = "";
        if (parts.length == 4 && (parts[0].equals("sidecar") || parts[0].equals("router"))) {
            ip = parts[1];
            int dot = parts[2].lastIndexOf('.');
            pod = dot < 0 ? parts[2] : parts[2].substring(0, dot);
            String idNamespace = dot < 0 ? "" : parts[2].substring(dot + 1);
            if (namespace.isEmpty()) {
                namespace = idNamespace;
            }
            if (namespace.isEmpty()) {
                String domain = parts[3];
                namespace = domain.contains(".") ? domain.substring(0, domain.indexOf('.')) : domain;
            }
        } else if (namespace.isEmpty()) {
            throw new IllegalArgumentException("node id '" + id + "' is not of the form "
                    + "sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local and the node metadata has no NAMESPACE; "
                    + "set node.id (or node.metadata.NAMESPACE) in the xDS bootstrap");
        }
        if (namespace.isEmpty() || !namespace.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            throw new IllegalArgumentException("node id '" + id + "' names no valid namespace ('" + namespace
                    + "'); set node.id to sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local in the bootstrap");
        }
        boolean proxyless = "grpc".equalsIgnoreCase(string(md, "GENERATOR"))
                || node.getUserAgentName().toLowerCase(java.util.Locale.ROOT).startsWith("grpc");
        Map<String, String> labels = new HashMap<>();
        Value l = md.getFieldsMap().get("LABELS");
        if (l != null && l.hasStructValue()) {
            l.getStructValue().getFieldsMap().forEach((k, v) -> labels.put(k, v.getStringValue()));
        }
        var loc = node.getLocality();
        Locality locality = new Locality(loc.getRegion(), loc.getZone(), loc.getSubZone());
        if (locality.equals(Locality.UNKNOWN) && labels.containsKey("istio-locality")) {
            locality = Locality.parse(labels.get("istio-locality"));
        }
        Type type = proxyless ? Type.PROXYLESS : id.startsWith("router~") ? Type.ROUTER : Type.SIDECAR;
        return new ProxyNode(id, type, ip, pod, namespace, locality, Map.copyOf(labels),
                string(md, "NETWORK"), string(md, "CLUSTER_ID"));
    }

    private static String string(Struct md, String key) {
        Value v = md.getFieldsMap().get(key);
        return v == null ? "" : v.getStringValue();
    }

    /**
     * Nodes with equal views share computed resources: the namespace decides short names, the locality
     * and network decide endpoint priorities, the type decides the listener shape.
     */
    String viewKey() {
        return type + "|" + namespace + "|" + locality + "|" + network + "|" + labels.getOrDefault("topology.istio.io/network", "");
    }
}
