package io.meshlane.control.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared Istio test data by walking up from the module directory to a {@code shared/testdata} sibling. */
public final class TestData {
    private TestData() {
    }

    public static Path istio() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("shared").resolve("testdata").resolve("istio");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no shared/testdata/istio above " + Path.of("").toAbsolutePath()
                + ": the tests need the shared test data next to the work tree");
    }
}
