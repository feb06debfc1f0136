package io.meshlane.lab.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * A pod's requests per lane colour as the lab reports them: a file of {@code colour<TAB>count} lines
 * ("-" is uncoloured), rewritten whole (write, then rename) whenever the counts changed, so a reader
 * never sees half a file. Responses to mirrored copies are discarded, so only the callee can say it got them.
 */
public final class ServedCounts {
    private ServedCounts() {
    }

    static void writeEvery(HttpService http, Path file, Duration period) {
        Thread.ofPlatform().daemon().name("served-counts").start(() -> {
            Map<String, Long> last = null;
            while (true) {
                Map<String, Long> now = http.served();
                if (!now.equals(last)) {
                    write(file, now);
                    last = now;
                }
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    static void write(Path file, Map<String, Long> counts) {
        StringBuilder b = new StringBuilder();
        counts.forEach((colour, n) -> b.append(colour).append('\t').append(n).append('\n'));
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, b);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("cannot write the served counts " + file + ": " + e.getMessage());
        }
    }

    /** The counts in {@code file}; empty when the pod has served nothing yet. */
    public static Map<String, Long> read(Path file) {
        Map<String, Long> out = new TreeMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split("\t");
                if (f.length == 2) {
                    out.put(f[0], Long.parseLong(f[1]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the served counts " + file, e);
        }
        return out;
    }
}
