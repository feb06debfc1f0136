package io.meshlane.installer.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Runs the image tools (mmdebstrap, jdeps, jlink, podman) and turns a failure into an error naming the command. */
final class Processes {

    private Processes() {
    }

    /** Runs the command, returns its standard output; its standard error goes to ours. */
    static String run(List<String> command, Path dir) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                throw new ImageException("`" + String.join(" ", command) + "` failed with exit code " + rc + " (its output is above)");
            }
            return out;
        } catch (IOException e) {
            throw new ImageException("cannot run " + command.getFirst() + " (" + e.getMessage() + "): install it (./meshlane test and"
                    + " ./meshlane image need podman, mmdebstrap and runc from Debian)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while running " + command.getFirst());
        }
    }
}
