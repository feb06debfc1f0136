package io.meshlane.control.registry;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Feeds the registry from one member cluster: its Services (ports) and EndpointSlices (addresses,
 * readiness), with pod labels (subsets select on them) and locality from the pod's {@code istio-locality}
 * label or from the node's {@code topology.kubernetes.io/region|zone} and {@code topology.istio.io/subzone}
 * labels. Uses fabric8 shared informers, so the cluster sees list+watch traffic only.
 */
public final class KubernetesRegistryFeed implements AutoCloseable {
    private static final String SERVICE_NAME = "kubernetes.io/service-name";

    private final String clusterId;
    private final String network;
    private final KubernetesClient client;
    private final ServiceRegistry registry;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final Map<String, EndpointSlice> slices = new ConcurrentHashMap<>();
    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final Map<String, Node> nodes = new ConcurrentHashMap<>();

    public KubernetesRegistryFeed(String clusterId, String network, KubernetesClient client, ServiceRegistry registry) {
        this.clusterId = clusterId;
        this.network = network == null ? "" : network;
        this.client = client;
        this.registry = registry;
    }

    /** Starts the informers; returns once their first lists have been applied to the registry. */
    public KubernetesRegistryFeed start() {
        informers.add(client.nodes().inform(handler(n -> nodes.put(n.getMetadata().getName(), n),
                n -> nodes.remove(n.getMetadata().getName()), this::republishAll)));
        informers.add(client.pods().inAnyNamespace().inform(handler(p -> pods.put(key(p), p), p -> pods.remove(key(p)),
                this::republishAll)));
        informers.add(client.services().inAnyNamespace().inform(handler(this::publishService,
                s -> registry.replaceServices(serviceSource(s), List.of()), () -> { })));
        informers.add(client.discovery().v1().endpointSlices().inAnyNamespace().inform(handler(s -> {
            slices.put(key(s), s);
            publishSlice(s);
        }, s -> {
            slices.remove(key(s));
            registry.replaceEndpoints(sliceSource(s), List.of());
        }, () -> { })));
        return this;
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> handler(Consumer<T> upsert, Consumer<T> delete, Runnable after) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                upsert.accept(obj);
                after.run();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                upsert.accept(newObj);
                after.run();
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                delete.accept(obj);
                after.run();
            }
        };
    }

    private static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    private String serviceSource(Service s) {
        return "k8s/" + clusterId + "/service/" + key(s);
    }

    private String sliceSource(EndpointSlice s) {
        return "k8s/" + clusterId + "/slice/" + key(s);
    }

    private void publishService(Service s) {
        String ns = s.getMetadata().getNamespace();
        List<ServicePort> ports = new ArrayList<>();
        if (s.getSpec() != null && s.getSpec().getPorts() != null) {
            for (var p : s.getSpec().getPorts()) {
                String protocol = p.getAppProtocol() != null ? p.getAppProtocol() : protocolFromName(p.getName(), p.getProtocol());
                ports.add(new ServicePort(p.getName(), p.getPort(), protocol));
            }
        }
        String host = s.getMetadata().getName() + "." + ns + "." + Hosts.DOMAIN;
        registry.replaceServices(serviceSource(s), List.of(new MeshService(host, ns, ports, "k8s/" + clusterId)));
    }

    /** Istio's port-name convention: {@code grpc-web}, {@code http2-foo} ... name the protocol. */
    private static String protocolFromName(String name, String l4) {
        if (name != null) {
            String prefix = name.split("-", 2)[0].toUpperCase(java.util.Locale.ROOT);
            if (List.of("HTTP", "HTTP2", "GRPC", "GRPC-WEB", "HTTPS", "TLS", "TCP", "MONGO", "REDIS", "MYSQL").contains(prefix)) {
                return prefix;
            }
        }
        return l4 == null ? "TCP" : l4;
    }

    private void republishAll() {
        slices.values().forEach(this::publishSlice);
    }

    private void publishSlice(EndpointSlice slice) {
        String ns = slice.getMetadata().getNamespace();
        Map<String, String> sliceLabels = slice.getMetadata().getLabels() == null ? Map.of() : slice.getMetadata().getLabels();
        String service = sliceLabels.get(SERVICE_NAME);
        if (service == null) {
            return;
        }
        String host = service + "." + ns + "." + Hosts.DOMAIN;
        Map<String, Integer> ports = new HashMap<>();
        if (slice.getPorts() != null) {
            for (EndpointPort p : slice.getPorts()) {
                if (p.getPort() != null) {
                    ports.put(p.getName() == null ? "" : p.getName(), p.getPort());
                }
            }
        }
        List<MeshEndpoint> endpoints = new ArrayList<>();
        for (Endpoint e : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
            Pod pod = e.getTargetRef() != null && "Pod".equals(e.getTargetRef().getKind())
                    ? pods.get(ns + "/" + e.getTargetRef().getName()) : null;
            Map<String, String> labels = pod != null && pod.getMetadata().getLabels() != null ? pod.getMetadata().getLabels() : Map.of();
            boolean ready = e.getConditions() == null || e.getConditions().getReady() == null || e.getConditions().getReady();
            Locality locality = locality(labels, e);
            for (String address : e.getAddresses()) {
                endpoints.add(new MeshEndpoint(host, address, ports, labels, locality, clusterId,
                        labels.getOrDefault("topology.istio.io/network", network), ready, 1));
            }
        }
        registry.replaceEndpoints(sliceSource(slice), endpoints);
    }

    private Locality locality(Map<String, String> podLabels, Endpoint e) {
        if (podLabels.containsKey("istio-locality")) {
            return Locality.parse(podLabels.get("istio-locality"));
        }
        Node node = e.getNodeName() == null ? null : nodes.get(e.getNodeName());
        Map<String, String> nl = node != null && node.getMetadata().getLabels() != null ? node.getMetadata().getLabels() : Map.of();
        String zone = e.getZone() != null ? e.getZone() : nl.get("topology.kubernetes.io/zone");
        return new Locality(nl.get("topology.kubernetes.io/region"), zone, nl.get("topology.istio.io/subzone"));
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
