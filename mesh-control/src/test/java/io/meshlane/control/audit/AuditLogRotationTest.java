package io.meshlane.control.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogRotationTest {
    @TempDir
    Path dir;

    @Test
    void aFullFileRotatesKeepingTheNewestBackupsAndEveryLineWhole() throws Exception {
        Path file = dir.resolve("audit.log");
        try (AuditLog log = AuditLog.open(file, 4096, 2, false)) {
            for (int i = 0; i < 200; i++) {
                log.record(new AuditEvent(Instant.now(), "alice", List.of("team-a"), "create", "/api/v1/namespaces",
                        "", "v1", "namespaces", null, null, "ns-" + i, 201));
            }
        }
        assertTrue(Files.exists(dir.resolve("audit.log.1")) && Files.exists(dir.resolve("audit.log.2")));
        assertFalse(Files.exists(dir.resolve("audit.log.3")), "only two backups are kept");
        ObjectMapper json = new ObjectMapper();
        for (String name : List.of("audit.log", "audit.log.1", "audit.log.2")) {
            assertTrue(Files.size(dir.resolve(name)) <= 4096, name + " grew past the limit");
            for (String line : Files.readAllLines(dir.resolve(name))) {
                assertEquals("audit.k8s.io/v1", json.readTree(line).path("apiVersion").asText());
            }
        }
        List<String> newest = Files.readAllLines(file);
        assertTrue(newest.getLast().contains("\"ns-199\""), "the newest event is in audit.log");
    }
}
