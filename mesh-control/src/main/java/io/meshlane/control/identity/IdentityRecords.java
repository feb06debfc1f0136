package io.meshlane.control.identity;

import io.meshlane.control.store.ResourceStore;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a control plane keeps its join tokens and node revocations. Replicas on etcd keep them in
 * the store they share (a token made on one replica joins through any, a revocation made on one
 * is refused by all); a single control plane keeps them as files in its data directory, so that
 * {@code meshlane control token create} works beside it without a running API.
 */
public record IdentityRecords(JoinTokens tokens, Revocations revocations) {

    /** The records of the control plane at {@code dataDir}: in {@code shared} when it runs on one, else files there. */
    public static IdentityRecords of(Path dataDir, Optional<ResourceStore> shared) {
        return shared.map(store -> new IdentityRecords(new JoinTokens(store), new Revocations(store)))
                .orElseGet(() -> new IdentityRecords(new JoinTokens(dataDir), new Revocations(dataDir)));
    }
}
