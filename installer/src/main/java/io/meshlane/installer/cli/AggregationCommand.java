package io.meshlane.installer.cli;

import io.meshlane.installer.chart.Chart;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code meshlane aggregation}: manifests that make a member cluster's kubectl reach mesh-control.
 * The chart's aggregation templates are the one source (helm install --set aggregation.enabled=true
 * renders the same objects); this command adds only the namespace they live in, so that
 * {@code kubectl apply -f -} works on a cluster that has none.
 */
@Command(name = "aggregation", mixinStandardHelpOptions = true,
        description = "Print the APIService and Service manifests for a member cluster's kube-aggregator (kubectl apply -f -).")
public final class AggregationCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--control-plane", required = true, description = "mesh-control as the member cluster reaches it, e.g. https://10.0.0.5:6443")
    URI controlPlane;

    @Option(names = "--ca-file", description = "CA of mesh-control's serving certificate (default: ~/.meshlane/ca.crt).")
    Path caFile = Path.of(System.getProperty("user.home"), ".meshlane", "ca.crt");

    @Option(names = "--group-versions", split = ",", description = "Hosted group/versions (default: the chart's aggregation.groupVersions:"
            + " Istio's networking, security, telemetry, meshlane.io and external.metrics.k8s.io/v1beta1).")
    List<String> groupVersions = List.of();

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(caFile)) {
            spec.commandLine().getErr().println("meshlane: CA file " + caFile + " is not readable: pass --ca-file (mesh-control writes ca.crt into its data directory)");
            return 2;
        }
        List<Map.Entry<String, String>> values = new ArrayList<>(List.of(Map.entry("agent.enabled", "false"),
                Map.entry("control.enabled", "false"), Map.entry("aggregation.enabled", "true"),
                Map.entry("aggregation.controlPlaneUrl", controlPlane.toString())));
        if (!groupVersions.isEmpty()) {
            // a list given with --set replaces the chart's default list as a whole
            for (int i = 0; i < groupVersions.size(); i++) {
                values.add(Map.entry("aggregation.groupVersions[" + i + "]", groupVersions.get(i)));
            }
        }
        String rendered;
        try {
            rendered = Chart.ofThisCheckout().render(values, Map.of("aggregation.caBundle", caFile));
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("meshlane: " + e.getMessage());
            return 2;
        }
        spec.commandLine().getOut().print("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + Chart.NAMESPACE + "\n" + rendered);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
