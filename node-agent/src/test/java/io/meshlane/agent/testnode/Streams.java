package io.meshlane.agent.testnode;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks on a StreamClient's output. */
public final class Streams {

    private Streams() {
    }

    /** The stream finished and every byte came back unchanged (SHA-256 of sent == received). */
    public static void assertIntact(PodProcess client, long bytes, Duration timeout) {
        String done = client.awaitPrefix("DONE", timeout);
        String[] parts = done.split(" ");
        String sent = parts[1].substring("sent=".length());
        String received = parts[2].substring("received=".length());
        assertEquals("bytes=" + bytes, parts[3], "all bytes must come back: " + done);
        assertEquals(sent, received, "SHA-256 of what came back must equal what was sent");
        assertTrue(client.lines().stream().noneMatch(l -> l.contains("ERROR")), () -> "client errors: " + client.lines());
    }
}
