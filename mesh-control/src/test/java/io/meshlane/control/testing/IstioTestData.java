package io.meshlane.control.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Istio's own material for conformance tests: its CRD file, bookinfo samples and validation cases.
 *
 * <p>Found in {@code $MESHLANE_ISTIO_TESTDATA} or in a {@code shared/testdata/istio} above the module.
 * Without it a conformance test is skipped with one line saying what is missing and where Istio's
 * release archive keeps it. With {@code CI=true} a conformance test never skips: material that is
 * named but incomplete, or missing altogether, fails it, so CI always runs the conformance suite.
 */
public final class IstioTestData {
    static final String ENV = "MESHLANE_ISTIO_TESTDATA";

    private IstioTestData() {
    }

    /** Istio's CustomResourceDefinitions ({@code manifests/charts/base/files/crd-all.gen.yaml} in Istio's archive). */
    public static Path crdFile() {
        return require("crd-all.gen.yaml", "manifests/charts/base/files/crd-all.gen.yaml");
    }

    /** Istio's bookinfo traffic rules ({@code samples/bookinfo/networking/} in Istio's archive). */
    public static Path bookinfo() {
        return require("bookinfo", "samples/bookinfo/networking/");
    }

    /** Istio's validation cases ({@code pkg/config/validation/testdata/crds/} in Istio's source tree). */
    public static Path validationCases() {
        return require("validation", "pkg/config/validation/testdata/crds/ of the istio/istio source");
    }

    private static Path require(String entry, String whereIstioKeepsIt) {
        Optional<Path> root = root();
        Path found = root.map(r -> r.resolve(entry)).filter(Files::exists).orElse(null);
        if (found != null) {
            return found;
        }
        String reason = "Istio conformance material missing: " + entry + " not found in " + root.map(Path::toString)
                .orElse("$" + ENV + " or a shared/testdata/istio above " + Path.of("").toAbsolutePath())
                + "; copy " + whereIstioKeepsIt + " from Istio's release to <dir>/" + entry + " and set " + ENV + "=<dir>";
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(reason + " (CI=true: conformance tests must run)");
        }
        Assumptions.abort(reason);
        throw new AssertionError("unreachable");
    }

    private static Optional<Path> root() {
        String named = System.getenv(ENV);
        if (named != null && !named.isBlank()) {
            return Optional.of(Path.of(named));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("testdata").resolve("istio");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
