package io.meshlane.installer.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A newcomer's clone: the committed tree cloned where no {@code shared/} lies above it, and
 * mesh-control's suite (the one module that reads Istio's material) run there through
 * {@code ./meshlane test --module mesh-control}, as the README says. Every test passes; the only
 * skipped ones are Istio conformance tests, each saying what is missing.
 */
class FreshCloneIT {
    private static final long MINUTES = 20;

    @TempDir
    Path dir;

    @Test
    void aCloneWithoutTheSharedTestDataPassesTheMeshControlSuite() throws Exception {
        Path source = Path.of("").toAbsolutePath().getParent();
        Path clone = dir.resolve("meshlane");
        for (Path p = clone; p != null; p = p.getParent()) {
            assertFalse(Files.isDirectory(p.resolve("shared/testdata")), "the clone must have no shared/ above it: " + p);
        }
        run(dir, dir.resolve("clone.log"), 5, "git", "clone", "--quiet", source.toString(), clone.toString());

        Path log = dir.resolve("test.log");
        int exit = run(clone, log, MINUTES, clone.resolve("meshlane").toString(), "test", "--module", "mesh-control");
        assertEquals(0, exit, "./meshlane test --module mesh-control failed in a fresh clone; its last lines:\n" + tail(log));

        Reports reports = Reports.read(clone.resolve("mesh-control/target/surefire-reports"));
        assertTrue(reports.run > 100, "only " + reports.run + " mesh-control tests ran in the clone");
        assertEquals(0, reports.failedOrErrors, "failures or errors in the clone:\n" + tail(log));
        assertTrue(reports.skipped.stream().anyMatch(s -> s.startsWith("io.meshlane.control.acceptance.IstioConformanceTest")),
                "without Istio's material the conformance tests are reported as skipped: " + reports.skipped);
        for (String skipped : reports.skipped) {
            assertTrue(skipped.contains("Istio conformance material missing") && skipped.contains("MESHLANE_ISTIO_TESTDATA"),
                    "a skipped test must be a conformance test saying what is missing and how to get it: " + skipped);
        }
    }

    /** The child sees neither CI=true nor a named Istio directory: it is a user's machine. */
    private static int run(Path directory, Path log, long minutes, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.remove("CI");
        env.remove("MESHLANE_ISTIO_TESTDATA");
        Process p = builder.start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail(String.join(" ", command) + " did not finish within " + minutes + " minutes:\n" + tail(log));
        }
        return p.exitValue();
    }

    private static String tail(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /** What surefire's XML reports say: tests run, failed or in error, and each skipped one with its reason. */
    private record Reports(int run, int failedOrErrors, List<String> skipped) {
        static Reports read(Path directory) throws Exception {
            int run = 0;
            int bad = 0;
            List<String> skipped = new ArrayList<>();
            List<Path> files;
            try (Stream<Path> s = Files.list(directory)) {
                files = s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).toList();
            }
            for (Path file : files) {
                NodeList cases = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile())
                        .getElementsByTagName("testcase");
                for (int i = 0; i < cases.getLength(); i++) {
                    Element c = (Element) cases.item(i);
                    run++;
                    if (c.getElementsByTagName("failure").getLength() + c.getElementsByTagName("error").getLength() > 0) {
                        bad++;
                    }
                    NodeList skip = c.getElementsByTagName("skipped");
                    if (skip.getLength() > 0) {
                        Element reason = (Element) skip.item(0);
                        String message = reason.getAttribute("message").isEmpty()
                                ? reason.getTextContent().strip().lines().findFirst().orElse("") : reason.getAttribute("message");
                        skipped.add(c.getAttribute("classname") + "." + c.getAttribute("name") + ": " + message);
                    }
                }
            }
            return new Reports(run, bad, skipped);
        }
    }
}
