package io.meshlane.installer.cli;

import io.meshlane.installer.aggregation.AggregationManifests;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code meshlane aggregation}: manifests that make a member cluster's kubectl reach mesh-control. */
@Command(name = "aggregation", mixinStandardHelpOptions = true,
        description = "Print the APIService and Service manifests for a member cluster's kube-aggregator (kubectl apply -f -).")
public final class AggregationCommand implements Callable<Integer> {

    @Option(names = "--control-plane", required = true, description = "mesh-control as the member cluster reaches it, e.g. https://10.0.0.5:6443")
    URI controlPlane;

    @Option(names = "--ca-file", description = "CA of mesh-control's serving certificate (default: ~/.meshlane/ca.crt).")
    Path caFile = Path.of(System.getProperty("user.home"), ".meshlane", "ca.crt");

    @Option(names = "--group-versions", split = ",", description = "Hosted group/versions (default: Istio's networking, security, telemetry and meshlane.io).")
    List<String> groupVersions = AggregationManifests.HOSTED;

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(caFile)) {
            System.err.println("meshlane: CA file " + caFile + " is not readable: pass --ca-file (mesh-control writes ca.crt into its data directory)");
            return 2;
        }
        System.out.print(new AggregationManifests(controlPlane, Files.readAllBytes(caFile)).render(groupVersions));
        return 0;
    }
}
