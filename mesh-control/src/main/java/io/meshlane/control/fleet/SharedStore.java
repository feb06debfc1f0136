package io.meshlane.control.fleet;

import io.meshlane.control.store.EtcdStore;
import io.meshlane.control.store.ResourceStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Remembers in a replica's data directory ({@code etcd-endpoints}) which etcd it shares, so that
 * {@code meshlane control token create} and {@code node revoke} run beside it write where every
 * replica reads (the store), not into this one directory.
 */
public final class SharedStore {

    private static final String FILE = "etcd-endpoints";

    private SharedStore() {
    }

    public static void remember(Path dataDir, List<String> endpoints) {
        try {
            Files.writeString(dataDir.resolve(FILE), String.join(",", endpoints) + "\n");
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + dataDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /** This data directory serves the embedded store again: its records are files once more. */
    public static void forget(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(FILE));
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove " + dataDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /** The store of the replica whose data directory is {@code dataDir}, when it runs on etcd. */
    public static Optional<ResourceStore> of(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            List<String> endpoints = Arrays.stream(Files.readString(file).trim().split(",")).filter(s -> !s.isBlank()).toList();
            return endpoints.isEmpty() ? Optional.empty() : Optional.of(new EtcdStore(endpoints));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
