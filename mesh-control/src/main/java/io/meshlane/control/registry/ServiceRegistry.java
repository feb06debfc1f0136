package io.meshlane.control.registry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The mesh's service registry: services with ports and their endpoints, merged from several sources.
 * Each source (a member cluster's informers, a ServiceEntry, a WorkloadEntry, a node agent's pod report)
 * replaces its own contribution as a whole, so a source never disturbs another's. Thread-safe; listeners
 * hear which host names changed after each replacement.
 */
public final class ServiceRegistry {

    private final Map<String, Map<String, MeshService>> servicesBySource = new HashMap<>();
    private final Map<String, List<MeshEndpoint>> endpointsBySource = new HashMap<>();
    private final Map<String, MeshService> services = new TreeMap<>();
    private final Map<String, List<MeshEndpoint>> endpoints = new HashMap<>();
    private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();

    public void addListener(RegistryListener listener) {
        listeners.add(listener);
    }

    public void removeListener(RegistryListener listener) {
        listeners.remove(listener);
    }

    /** Replaces every service that {@code source} declared with {@code declared} (empty removes them). */
    public void replaceServices(String source, Collection<MeshService> declared) {
        Set<String> changed = new HashSet<>();
        synchronized (this) {
            Map<String, MeshService> next = new LinkedHashMap<>();
            for (MeshService s : declared) {
                next.put(s.hostname(), s);
            }
            Map<String, MeshService> previous = next.isEmpty() ? servicesBySource.remove(source) : servicesBySource.put(source, next);
            if (previous != null) {
                changed.addAll(previous.keySet());
            }
            changed.addAll(next.keySet());
            for (String host : changed) {
                rebuildService(host);
            }
        }
        fire(changed);
    }

    /** Replaces every endpoint that {@code source} contributed with {@code contributed} (empty removes them). */
    public void replaceEndpoints(String source, Collection<MeshEndpoint> contributed) {
        Set<String> changed = new HashSet<>();
        synchronized (this) {
            List<MeshEndpoint> next = List.copyOf(contributed);
            List<MeshEndpoint> previous = next.isEmpty() ? endpointsBySource.remove(source) : endpointsBySource.put(source, next);
            if (previous != null) {
                previous.forEach(e -> changed.add(e.hostname()));
            }
            next.forEach(e -> changed.add(e.hostname()));
            for (String host : changed) {
                rebuildEndpoints(host);
            }
        }
        fire(changed);
    }

    /**
     * A node agent's report of the pods on its node, as endpoints of the services they back; replaces
     * that node's previous report (the hook for mesh-api's pod reports).
     */
    public void reportPods(String node, Collection<MeshEndpoint> pods) {
        replaceEndpoints("agent/" + node, pods);
    }

    /** Removes everything {@code source} declared (services and endpoints). */
    public void removeSource(String source) {
        replaceServices(source, List.of());
        replaceEndpoints(source, List.of());
    }

    public synchronized Optional<MeshService> service(String hostname) {
        return Optional.ofNullable(services.get(hostname));
    }

    public synchronized List<MeshService> services() {
        return List.copyOf(services.values());
    }

    public synchronized List<MeshEndpoint> endpoints(String hostname) {
        return endpoints.getOrDefault(hostname, List.of());
    }

    private void rebuildService(String host) {
        // a Kubernetes Service wins over a ServiceEntry for the same host; otherwise the source named first
        MeshService chosen = null;
        List<String> sources = new ArrayList<>(servicesBySource.keySet());
        sources.sort((a, b) -> Boolean.compare(!a.startsWith("k8s/"), !b.startsWith("k8s/")) != 0
                ? Boolean.compare(!a.startsWith("k8s/"), !b.startsWith("k8s/")) : a.compareTo(b));
        List<ServicePort> mergedPorts = new ArrayList<>();
        for (String source : sources) {
            MeshService s = servicesBySource.get(source).get(host);
            if (s == null) {
                continue;
            }
            if (chosen == null) {
                chosen = s;
            }
            for (ServicePort p : s.ports()) {
                if (mergedPorts.stream().noneMatch(q -> q.number() == p.number())) {
                    mergedPorts.add(p);
                }
            }
        }
        if (chosen == null) {
            services.remove(host);
        } else {
            services.put(host, new MeshService(host, chosen.namespace(), mergedPorts, chosen.source()));
        }
    }

    private void rebuildEndpoints(String host) {
        List<MeshEndpoint> all = new ArrayList<>();
        new TreeMap<>(endpointsBySource).forEach((source, list) -> {
            for (MeshEndpoint e : list) {
                if (e.hostname().equals(host)) {
                    all.add(e);
                }
            }
        });
        if (all.isEmpty()) {
            endpoints.remove(host);
        } else {
            endpoints.put(host, List.copyOf(all));
        }
    }

    private void fire(Set<String> changed) {
        if (changed.isEmpty()) {
            return;
        }
        Set<String> view = Set.copyOf(changed);
        for (RegistryListener l : listeners) {
            l.changed(view);
        }
    }
}
