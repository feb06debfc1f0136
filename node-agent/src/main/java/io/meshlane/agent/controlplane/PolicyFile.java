package io.meshlane.agent.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.logging.Logger;

/** The last good policy, kept on the node so an agent restarted while the control plane is down keeps it. */
final class PolicyFile {

    private static final Logger LOG = Logger.getLogger(PolicyFile.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    PolicyFile(Path stateDir) {
        this.file = stateDir.resolve("policy.json");
    }

    Optional<PolicyUpdate> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), PolicyUpdate.class));
        } catch (IOException e) {
            LOG.warning("persisted policy " + file + " is unreadable (" + e.getMessage() + "); waiting for the control plane");
            return Optional.empty();
        }
    }

    void save(PolicyUpdate policy) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("policy.json.tmp");
            JSON.writeValue(tmp.toFile(), policy);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warning("could not persist the policy to " + file + ": " + e.getMessage());
        }
    }
}
