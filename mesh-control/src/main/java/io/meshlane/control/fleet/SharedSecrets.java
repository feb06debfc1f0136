package io.meshlane.control.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.http.Json;
import io.meshlane.control.security.CaRotation;
import io.meshlane.control.security.PrivateFiles;
import io.meshlane.control.security.TlsMaterial;
import io.meshlane.control.security.Token;
import io.meshlane.control.store.KeyExistsException;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoredObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The CA and the admin token every replica must share, kept in the store they share: a replica on
 * another machine has its own data directory, so a directory cannot be the source of truth. The
 * first replica to start publishes its own; every later one adopts them into its data directory
 * (replacing what it had) and issues its own serving certificate, for its own listen host, from the
 * shared CA. Whoever can read etcd can read the CA key: protect etcd as the mesh's root of trust.
 */
public final class SharedSecrets {

    static final String KEY = "/meshlane/fleet/secrets";
    private static final List<String> FILES = List.of("ca.crt", "ca.key", "token");
    private static final List<String> ROTATION_FILES = List.of(CaRotation.PREVIOUS_CERT, CaRotation.PREVIOUS_KEY);

    private SharedSecrets() {
    }

    /** Makes {@code dataDir}'s CA and token the fleet's, creating both if no replica has yet. */
    public static void adopt(ResourceStore store, Path dataDir, String listenHost) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<StoredObject> shared = store.get(KEY);
            if (shared.isPresent()) {
                install(Json.stored(shared.get().value()), dataDir);
                return;
            }
            TlsMaterial.ensure(dataDir, listenHost);
            Token.ensure(dataDir);
            ObjectNode mine = Json.object();
            try {
                for (String f : FILES) {
                    mine.put(f, Files.readString(dataDir.resolve(f)));
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the CA and token in " + dataDir + " to share them: " + e.getMessage(), e);
            }
            try {
                store.create(KEY, Json.bytes(mine));
                return;
            } catch (KeyExistsException e) {
                // another replica published first: take theirs on the next round
            }
        }
        throw new IllegalStateException("could not agree with the other replicas on the shared CA and token at " + KEY);
    }

    /**
     * Replaces the fleet's CA files with {@code dataDir}'s after a step of a CA rotation there, so that
     * each replica takes the step up when it restarts (the admin token stays the fleet's).
     */
    public static void publish(ResourceStore store, Path dataDir) {
        StoredObject shared = store.get(KEY).orElseThrow(() -> new IllegalStateException("the replicas' store holds no shared CA at "
                + KEY + " yet: start a replica first"));
        ObjectNode next = (ObjectNode) Json.stored(shared.value());
        try {
            for (String f : List.of("ca.crt", "ca.key")) {
                next.put(f, Files.readString(dataDir.resolve(f)));
            }
            for (String f : ROTATION_FILES) {
                if (Files.exists(dataDir.resolve(f))) {
                    next.put(f, Files.readString(dataDir.resolve(f)));
                } else {
                    next.remove(f);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the CA files in " + dataDir + " to share them: " + e.getMessage(), e);
        }
        store.update(KEY, Json.bytes(next), shared.modRevision());
    }

    private static void install(JsonNode shared, Path dataDir) {
        try {
            Path ca = dataDir.resolve("ca.crt");
            boolean sameCa = Files.exists(ca) && Files.readString(ca).equals(shared.path("ca.crt").asText());
            for (String f : FILES) {
                if (shared.path(f).asText().isEmpty()) {
                    throw new IllegalStateException("the shared secrets at " + KEY + " lack " + f
                            + " (delete that key with etcdctl while no replica runs, then start one replica first)");
                }
                PrivateFiles.write(dataDir.resolve(f), shared.path(f).asText());
            }
            for (String f : ROTATION_FILES) {
                if (shared.path(f).asText().isEmpty()) {
                    Files.deleteIfExists(dataDir.resolve(f));
                } else {
                    PrivateFiles.write(dataDir.resolve(f), shared.path(f).asText());
                }
            }
            if (!sameCa) {
                // a serving certificate from another CA would not verify for the fleet's clients
                Files.deleteIfExists(dataDir.resolve("server.p12"));
                Files.deleteIfExists(dataDir.resolve("server.p12.pass"));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the shared CA and token into " + dataDir + ": " + e.getMessage(), e);
        }
    }
}
