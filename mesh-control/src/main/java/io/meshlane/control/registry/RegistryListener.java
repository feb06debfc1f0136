package io.meshlane.control.registry;

import java.util.Set;

/** Told which service host names changed (their service or any of their endpoints). Must not block. */
@FunctionalInterface
public interface RegistryListener {
    void changed(Set<String> hostnames);
}
