package io.meshlane.installer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs Maven on the meshlane source tree the launcher lives in. */
final class MavenRun {

    private MavenRun() {
    }

    static Path home() {
        String home = System.getProperty("meshlane.home");
        Path dir = home == null ? Path.of("").toAbsolutePath() : Path.of(home);
        if (!Files.exists(dir.resolve("pom.xml"))) {
            throw new IllegalStateException("no meshlane source tree at " + dir + ": run ./meshlane from the repository root");
        }
        return dir;
    }

    static int run(List<String> goals) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("mvn", "-B", "-ntp"));
        command.addAll(goals);
        System.out.println("meshlane: " + String.join(" ", command));
        return new ProcessBuilder(command).directory(home().toFile()).inheritIO().start().waitFor();
    }
}
