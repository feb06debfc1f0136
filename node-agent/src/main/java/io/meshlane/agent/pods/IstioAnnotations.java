package io.meshlane.agent.pods;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.meshlane.agent.datapath.Cidr;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * What Istio's pod annotations and containers say about capture: sidecar presence, the
 * proxy's uid and the traffic.sidecar.istio.io include/exclude lists. A malformed entry is
 * logged and left out; the rest of the pod's settings still apply.
 */
final class IstioAnnotations {

    static final String STATUS = "sidecar.istio.io/status";
    static final String INJECT = "sidecar.istio.io/inject";
    static final String EXCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts";
    static final String EXCLUDE_OUTBOUND_RANGES = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
    static final String INCLUDE_OUTBOUND_RANGES = "traffic.sidecar.istio.io/includeOutboundIPRanges";
    static final String EXCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/excludeInboundPorts";
    static final String PROXY_CONTAINER = "istio-proxy";
    static final int DEFAULT_PROXY_UID = 1337;

    private static final Logger LOG = Logger.getLogger(IstioAnnotations.class.getName());

    private final String pod;
    private final Map<String, String> annotations;
    private final List<Container> containers;

    IstioAnnotations(Pod pod) {
        this.pod = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        this.annotations = pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations();
        this.containers = Stream.concat(
                pod.getSpec().getContainers() == null ? Stream.empty() : pod.getSpec().getContainers().stream(),
                pod.getSpec().getInitContainers() == null ? Stream.empty() : pod.getSpec().getInitContainers().stream())
                .toList();
    }

    /** An istio-proxy container (also as a native sidecar init container) or Istio's injection status. */
    boolean hasSidecar() {
        if ("false".equalsIgnoreCase(annotations.get(INJECT)) && proxy().isEmpty()) {
            return false;
        }
        return proxy().isPresent() || annotations.containsKey(STATUS);
    }

    int proxyUid() {
        return proxy().map(c -> c.getSecurityContext() == null ? null : c.getSecurityContext().getRunAsUser())
                .map(Long::intValue).orElse(DEFAULT_PROXY_UID);
    }

    Set<Integer> excludedOutboundPorts() {
        return ports(EXCLUDE_OUTBOUND_PORTS);
    }

    Set<Integer> excludedInboundPorts() {
        return ports(EXCLUDE_INBOUND_PORTS);
    }

    List<Cidr> excludedRanges() {
        return ranges(EXCLUDE_OUTBOUND_RANGES);
    }

    /** Empty for Istio's default "*" (everything captured). */
    List<Cidr> includedRanges() {
        String value = annotations.get(INCLUDE_OUTBOUND_RANGES);
        if (value == null || value.isBlank() || value.trim().equals("*")) {
            return List.of();
        }
        List<Cidr> ranges = ranges(INCLUDE_OUTBOUND_RANGES);
        if (ranges.isEmpty()) {
            // nothing valid to include: capture nothing rather than everything
            return List.of(Cidr.parse("0.0.0.0/32"));
        }
        return ranges;
    }

    private Optional<Container> proxy() {
        return containers.stream().filter(c -> PROXY_CONTAINER.equals(c.getName())).findFirst();
    }

    private Set<Integer> ports(String key) {
        Set<Integer> ports = new LinkedHashSet<>();
        for (String item : items(key)) {
            try {
                int port = Integer.parseInt(item);
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException("out of range");
                }
                ports.add(port);
            } catch (NumberFormatException e) {
                LOG.warning("pod " + pod + ": " + key + " entry \"" + item + "\" is not a port (1-65535); ignoring it");
            }
        }
        return ports;
    }

    private List<Cidr> ranges(String key) {
        List<Cidr> ranges = new ArrayList<>();
        for (String item : items(key)) {
            if (item.equals("*")) {
                ranges.add(Cidr.parse("0.0.0.0/0"));
                ranges.add(Cidr.parse("::/0"));
                continue;
            }
            try {
                ranges.add(Cidr.parse(item.contains("/") ? item : item + (item.contains(":") ? "/128" : "/32")));
            } catch (IllegalArgumentException e) {
                LOG.warning("pod " + pod + ": " + key + ": " + e.getMessage() + "; ignoring it");
            }
        }
        return ranges;
    }

    private List<String> items(String key) {
        String value = annotations.get(key);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Stream.of(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
