package io.meshlane.control.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Feeds the registry from Istio's ServiceEntry and WorkloadEntry objects: the services that live outside
 * Kubernetes (VMs, external APIs) and their endpoints, so that VM and container workloads can back one
 * service. A ServiceEntry contributes its hosts and ports, its inline endpoints and the WorkloadEntries of
 * its namespace selected by its {@code workloadSelector}. Objects arrive as the API stores them (JSON trees).
 */
public final class IstioRegistryFeed {
    public static final String SERVICE_ENTRY = "ServiceEntry";
    public static final String WORKLOAD_ENTRY = "WorkloadEntry";

    private final ServiceRegistry registry;
    private final Map<String, JsonNode> serviceEntries = new TreeMap<>();
    private final Map<String, JsonNode> workloadEntries = new TreeMap<>();

    public IstioRegistryFeed(ServiceRegistry registry) {
        this.registry = registry;
    }

    /** A ServiceEntry or WorkloadEntry was created or changed. */
    public synchronized void apply(String kind, JsonNode object) {
        String ns = object.path("metadata").path("namespace").asText("default");
        String key = ns + "/" + object.path("metadata").path("name").asText();
        if (SERVICE_ENTRY.equals(kind)) {
            serviceEntries.put(key, object);
            publish(key);
        } else if (WORKLOAD_ENTRY.equals(kind)) {
            workloadEntries.put(key, object);
            publishNamespace(ns);
        }
    }

    public synchronized void delete(String kind, String namespace, String name) {
        String key = namespace + "/" + name;
        if (SERVICE_ENTRY.equals(kind)) {
            if (serviceEntries.remove(key) != null) {
                registry.removeSource(source(key));
            }
        } else if (WORKLOAD_ENTRY.equals(kind) && workloadEntries.remove(key) != null) {
            publishNamespace(namespace);
        }
    }

    private static String source(String key) {
        return "serviceentry/" + key;
    }

    private void publishNamespace(String namespace) {
        for (String key : serviceEntries.keySet()) {
            if (key.startsWith(namespace + "/")) {
                publish(key);
            }
        }
    }

    private void publish(String key) {
        JsonNode se = serviceEntries.get(key);
        String ns = key.substring(0, key.indexOf('/'));
        JsonNode spec = se.path("spec");
        List<ServicePort> ports = new ArrayList<>();
        for (JsonNode p : spec.path("ports")) {
            ports.add(new ServicePort(p.path("name").asText(""), p.path("number").asInt(), p.path("protocol").asText("TCP")));
        }
        List<MeshService> services = new ArrayList<>();
        Set<String> hosts = new HashSet<>();
        for (JsonNode h : spec.path("hosts")) {
            String host = Hosts.fqdn(h.asText(), ns);
            hosts.add(host);
            services.add(new MeshService(host, ns, ports, source(key)));
        }
        List<MeshEndpoint> endpoints = new ArrayList<>();
        for (String host : hosts) {
            for (JsonNode e : spec.path("endpoints")) {
                endpoints.add(endpoint(host, e, ports, true));
            }
            JsonNode selector = spec.path("workloadSelector").path("labels");
            if (selector.isObject() && !selector.isEmpty()) {
                workloadEntries.forEach((weKey, we) -> {
                    if (weKey.startsWith(ns + "/") && selects(selector, we.path("spec").path("labels"))) {
                        endpoints.add(endpoint(host, we.path("spec"), ports, healthy(we)));
                    }
                });
            }
        }
        registry.replaceServices(source(key), services);
        registry.replaceEndpoints(source(key), endpoints);
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        var it = selector.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    /** WorkloadEntry health as Istio's health checker records it: a {@code Healthy} condition that is False. */
    private static boolean healthy(JsonNode we) {
        for (JsonNode c : we.path("status").path("conditions")) {
            if ("Healthy".equals(c.path("type").asText()) && "False".equalsIgnoreCase(c.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    private static MeshEndpoint endpoint(String host, JsonNode e, List<ServicePort> ports, boolean healthy) {
        Map<String, Integer> byName = new HashMap<>();
        e.path("ports").fields().forEachRemaining(p -> byName.put(p.getKey(), p.getValue().asInt()));
        Map<String, String> labels = new HashMap<>();
        e.path("labels").fields().forEachRemaining(l -> labels.put(l.getKey(), l.getValue().asText()));
        return new MeshEndpoint(host, e.path("address").asText(), byName, labels,
                Locality.parse(e.path("locality").asText(null)), "", e.path("network").asText(""), healthy,
                e.path("weight").asInt(1));
    }
}
