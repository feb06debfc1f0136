package io.meshlane.control.registry;

/** Host-name rules shared by the registry feeds and the translator. */
public final class Hosts {
    public static final String DOMAIN = "svc.cluster.local";

    private Hosts() {
    }

    /**
     * Istio's short-name rule: a host without dots is a Kubernetes service in {@code namespace}
     * ({@code reviews} in {@code default} is {@code reviews.default.svc.cluster.local}); other hosts stay as written.
     */
    public static String fqdn(String host, String namespace) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("empty host name");
        }
        if (host.contains(".") || host.equals("*")) {
            return host;
        }
        return host + "." + (namespace == null || namespace.isBlank() ? "default" : namespace) + "." + DOMAIN;
    }

    /** Whether a host pattern ({@code *}, {@code *.example.com} or an exact name) covers {@code host}. */
    public static boolean matches(String pattern, String host) {
        if (pattern.equals("*")) {
            return true;
        }
        return pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : pattern.equals(host);
    }

    /** How specific a host pattern is: an exact name beats every wildcard, a longer wildcard a shorter one. */
    public static int specificity(String pattern) {
        return pattern.startsWith("*") ? pattern.length() : Integer.MAX_VALUE;
    }

    /** The Kubernetes namespace encoded in a {@code name.namespace.svc.cluster.local} host, or null. */
    public static String namespaceOf(String fqdn) {
        if (!fqdn.endsWith("." + DOMAIN)) {
            return null;
        }
        String[] parts = fqdn.substring(0, fqdn.length() - DOMAIN.length() - 1).split("\\.");
        return parts.length == 2 ? parts[1] : null;
    }

    /** The first label of a host name ({@code reviews} for {@code reviews.default.svc.cluster.local}). */
    public static String shortName(String fqdn) {
        int dot = fqdn.indexOf('.');
        return dot < 0 ? fqdn : fqdn.substring(0, dot);
    }
}
