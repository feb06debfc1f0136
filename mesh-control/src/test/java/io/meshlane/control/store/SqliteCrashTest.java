package io.meshlane.control.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.testing.TempDirs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** kill -9 during a write storm loses no acknowledged write of the embedded store. */
class SqliteCrashTest {

    @Test
    void killDashNineLosesNoAcknowledgedWrite() throws Exception {
        Path dir = Files.createTempDirectory("meshlane-crash");
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    WriteStorm.class.getName(), dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> acked = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while (acked.size() < 2_000 && (line = out.readLine()) != null) {
                    if (line.startsWith("ACK ")) {
                        acked.add(line.substring(4));
                    }
                }
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
                try {
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith("ACK ")) {
                            acked.add(line.substring(4));
                        }
                    }
                } catch (java.io.IOException closedByKill) {
                    // the pipe went away with the process; every ACK read so far is checked below
                }
            }
            assertTrue(acked.size() >= 2_000, "the storm acknowledged only " + acked.size() + " writes before it ended");
            try (SqliteStore store = SqliteStore.open(dir)) {
                List<String> lost = acked.stream().filter(k -> store.get(k).isEmpty()).toList();
                assertTrue(lost.isEmpty(), lost.size() + " acknowledged writes were lost, e.g. " + lost.stream().limit(5).toList());
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
