package io.meshlane.control.registry;

import java.util.List;
import java.util.Optional;

/**
 * A service in the registry, keyed by its fully qualified host name
 * ({@code reviews.default.svc.cluster.local} for Kubernetes services, the ServiceEntry host otherwise).
 * {@code source} tells who declared it (e.g. {@code k8s/cluster-1}, {@code serviceentry/ns/name}).
 */
public record MeshService(String hostname, String namespace, List<ServicePort> ports, String source) {
    public MeshService {
        ports = List.copyOf(ports);
    }

    public Optional<ServicePort> port(int number) {
        return ports.stream().filter(p -> p.number() == number).findFirst();
    }

    public Optional<ServicePort> port(String name) {
        return ports.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
