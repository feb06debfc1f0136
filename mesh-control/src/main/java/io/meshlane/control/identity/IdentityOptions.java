package io.meshlane.control.identity;

import java.time.Duration;

/**
 * How node certificates are issued: the SPIFFE trust domain they name and how long they live
 * (agents renew at two thirds of it).
 */
public record IdentityOptions(String trustDomain, Duration certificateLifetime) {

    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
    public static final Duration DEFAULT_LIFETIME = Duration.ofHours(24);

    public IdentityOptions {
        if (certificateLifetime.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new IllegalArgumentException("a node certificate lifetime under 10 s leaves agents no time to renew: " + certificateLifetime);
        }
    }

    public static IdentityOptions defaults() {
        return new IdentityOptions(DEFAULT_TRUST_DOMAIN, DEFAULT_LIFETIME);
    }

    public IdentityOptions withLifetime(Duration lifetime) {
        return new IdentityOptions(trustDomain, lifetime);
    }
}
