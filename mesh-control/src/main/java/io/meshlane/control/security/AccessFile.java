package io.meshlane.control.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The control plane's optional {@code <data-dir>/access.yaml}, read once at start: its
 * {@code tokens}, {@code rules} and {@code requestHeader} sections configure {@link AccessPolicy},
 * {@code limits} the per-user request rates and {@code audit} the audit log.
 */
public record AccessFile(Path path, JsonNode root) {

    public static AccessFile read(Path dataDir) {
        Path file = dataDir.resolve("access.yaml");
        if (!Files.exists(file)) {
            return new AccessFile(file, MissingNode.getInstance());
        }
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            return new AccessFile(file, root == null ? MissingNode.getInstance() : root);
        } catch (IOException e) {
            throw invalid(file, e.getMessage(), e);
        }
    }

    public JsonNode section(String name) {
        return root.path(name);
    }

    /** The error for a section that cannot be used, naming the file and what to do. */
    public IllegalStateException invalid(String why) {
        return invalid(path, why, null);
    }

    private static IllegalStateException invalid(Path file, String why, Exception cause) {
        return new IllegalStateException("cannot use the access configuration " + file + ": " + why
                + " (fix it, or remove it to allow only the admin token with the default limits)", cause);
    }
}
