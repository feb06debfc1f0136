package io.meshlane.agent.datapath;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Reads and atomically replaces {@code <stateDir>/state.json}. */
final class StateFile {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path file;

    StateFile(Path stateDir) {
        this.file = stateDir.resolve("state.json");
    }

    AgentState load() {
        if (!Files.exists(file)) {
            return AgentState.empty();
        }
        try {
            return JSON.readValue(file.toFile(), AgentState.class);
        } catch (IOException e) {
            throw new DatapathException("the agent state " + file + " is unreadable (" + e.getMessage()
                    + "): move it aside and restart the agent; pods will be registered again by their source", e);
        }
    }

    void save(AgentState state) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("state.json.tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), state);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing agent state " + file, e);
        }
    }

    /** Removes the whole state directory: the agent's registrations and everything kept beside them (e.g. its last policy). */
    void delete() {
        Path dir = file.getParent();
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing agent state " + dir, e);
        }
    }
}
