package io.meshlane.control.registry;

import java.util.Map;

/**
 * One instance of a service: an address with its ports by service-port name (a missing name means the
 * service port's own number), labels (subsets select on them), locality, the member cluster and network
 * it lives in, health and a load-balancing weight.
 */
public record MeshEndpoint(String hostname, String address, Map<String, Integer> ports, Map<String, String> labels,
                           Locality locality, String cluster, String network, boolean healthy, int weight) {
    public MeshEndpoint {
        ports = Map.copyOf(ports);
        labels = Map.copyOf(labels);
        locality = locality == null ? Locality.UNKNOWN : locality;
        cluster = cluster == null ? "" : cluster;
        network = network == null ? "" : network;
        weight = weight <= 0 ? 1 : weight;
    }

    /** The port to dial for {@code servicePort}: the endpoint's port of that name, else the service port's number. */
    public int portFor(ServicePort servicePort) {
        Integer p = ports.get(servicePort.name());
        if (p == null && ports.size() == 1 && servicePort.name().isEmpty()) {
            p = ports.values().iterator().next();
        }
        return p == null ? servicePort.number() : p;
    }

    public MeshEndpoint withHealth(boolean healthy) {
        return new MeshEndpoint(hostname, address, ports, labels, locality, cluster, network, healthy, weight);
    }
}
