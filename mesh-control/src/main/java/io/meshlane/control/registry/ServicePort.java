package io.meshlane.control.registry;

/** One port of a service: its name (used to map to endpoint ports), number and protocol (HTTP, GRPC, TCP, ...). */
public record ServicePort(String name, int number, String protocol) {
    public ServicePort {
        name = name == null ? "" : name;
        protocol = protocol == null || protocol.isBlank() ? "TCP" : protocol.toUpperCase(java.util.Locale.ROOT);
    }
}
