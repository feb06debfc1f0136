package io.meshlane.installer.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * meshlane's Helm chart ({@code installer/helm/meshlane}) rendered and linted by Helm's own Go
 * code (helm-java), so what {@code meshlane install --render} writes is what {@code helm install}
 * would apply.
 */
public final class Chart {

    public static final String RELEASE = "meshlane";
    public static final String NAMESPACE = "meshlane-system";
    /** The Kubernetes version rendered for (Helm's template default, 1.20, predates the chart's minimum). */
    static final String KUBE_VERSION = "1.32.0";

    private final Path dir;

    private Chart(Path dir) {
        this.dir = dir;
    }

    /** The chart of the checkout at {@code meshlaneHome} (the launcher passes -Dmeshlane.home). */
    public static Chart inCheckout(Path meshlaneHome) {
        return at(meshlaneHome.resolve("installer/helm/meshlane"));
    }

    /** The checkout's chart: -Dmeshlane.home (the launcher sets it), else the first parent of the working directory holding it. */
    public static Chart ofThisCheckout() {
        String home = System.getProperty("meshlane.home");
        if (home != null) {
            return inCheckout(Path.of(home));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("installer/helm/meshlane/Chart.yaml"))) {
                return inCheckout(dir);
            }
        }
        throw new IllegalArgumentException("no meshlane checkout (installer/helm/meshlane) above " + Path.of("").toAbsolutePath()
                + ": run ./meshlane from the checkout");
    }

    public static Chart at(Path dir) {
        if (!Files.isRegularFile(dir.resolve("Chart.yaml"))) {
            throw new IllegalArgumentException("no Helm chart at " + dir + " (expected installer/helm/meshlane/Chart.yaml in the checkout)");
        }
        return new Chart(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Helm's lint of the chart with its default values; messages name each problem. */
    public LintResult lint() {
        return new Helm(dir).lint().strict().call();
    }

    /**
     * The manifests for {@code values} (Helm's --set syntax, applied in order) and {@code files}
     * (--set-file: the value is the file's content), as one YAML stream.
     *
     * @throws IllegalArgumentException with Helm's message when the values are refused
     */
    public String render(List<Map.Entry<String, String>> values, Map<String, Path> files) {
        var template = new Helm(dir).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
        for (Map.Entry<String, String> v : values) {
            template = template.set(v.getKey(), v.getValue());
        }
        for (Map.Entry<String, Path> f : files.entrySet()) {
            template = template.setFile(f.getKey(), f.getValue());
        }
        try {
            return template.call();
        } catch (IllegalStateException e) {
            // Helm's hint about --debug names a flag of the helm CLI, not of ours
            throw new IllegalArgumentException(e.getMessage().replace("Use --debug flag to render out invalid YAML", "").strip(), e);
        }
    }
}
