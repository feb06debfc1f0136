package io.meshlane.installer.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./meshlane bench control} as a user runs it, at tiny sizes: it starts its own control plane, drives it
 * over HTTP/2, and writes JSON whose numbers are real measurements (positive, every watch event delivered).
 */
class BenchControlIT {

    @TempDir
    Path dir;

    @Test
    void theControlBenchWritesMeasuredNumbers() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path json = dir.resolve("control.json");
        Path log = dir.resolve("bench.log");
        Process p = new ProcessBuilder(List.of(root.resolve("meshlane").toString(), "bench", "control", "--objects", "200",
                "--gets", "400", "--lists", "3", "--page-size", "50", "--watchers", "20", "--changes", "3",
                "--concurrency", "8", "--json", json.toString()))
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(0, p.exitValue(), "./meshlane bench control:\n" + Files.readString(log));
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals("embedded", r.path("store").asText());
        assertEquals("HTTP/2", r.path("http_version").asText(), "kubectl-like clients get HTTP/2 over TLS");
        assertEquals(20, r.path("watchers").asInt());
        for (String rate : List.of("creates_per_s", "gets_per_s", "lists_per_s", "watch_fanout_p50_ms", "watch_fanout_p99_ms")) {
            assertTrue(r.path(rate).isNumber() && r.path(rate).asDouble() > 0, rate + " is a measured positive number: " + r);
        }
        assertTrue(r.path("watch_fanout_p99_ms").asDouble() >= r.path("watch_fanout_p50_ms").asDouble(), r.toString());
        assertEquals(60, r.path("watch_events_delivered").asLong(), "20 watchers x 3 changes all arrive: " + r);
        assertEquals(0, r.path("errors").asLong(), r.toString());
    }
}
