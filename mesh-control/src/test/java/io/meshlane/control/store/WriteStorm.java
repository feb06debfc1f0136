package io.meshlane.control.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Child process for {@link SqliteCrashTest}: writes from several threads as fast as it can and
 * prints {@code ACK <key>} once each write is acknowledged, until it is killed.
 */
public final class WriteStorm {
    private WriteStorm() {
    }

    public static void main(String[] args) {
        SqliteStore store = SqliteStore.open(Path.of(args[0]));
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread.ofPlatform().start(() -> {
                for (int i = 0; ; i++) {
                    String key = "/storm/" + thread + "/" + i;
                    store.create(key, ("value " + i).getBytes(StandardCharsets.UTF_8));
                    synchronized (System.out) {
                        System.out.println("ACK " + key);
                        System.out.flush();
                    }
                }
            });
        }
    }
}
