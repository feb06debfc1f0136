package io.meshlane.control.cli;

import io.meshlane.control.fleet.SharedSecrets;
import io.meshlane.control.fleet.SharedStore;
import io.meshlane.control.security.CaRotation;
import io.meshlane.control.server.ControlPlaneOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshlane control rotate-ca begin|status|finish}: a new CA trusted beside the old one until every agent moved to it. */
@Command(name = "rotate-ca", mixinStandardHelpOptions = true,
        description = {"Replace the control plane's CA in two steps, each taken up when the control plane (every replica) restarts:",
                "begin: a new CA issues node and workload certificates; ca.crt trusts both; the previous CA still signs the serving certificate.",
                "finish: only the new CA is trusted and signs the serving certificate; certificates of the previous CA are refused."})
final class RotateCaCommand implements Callable<Integer> {

    enum Step { begin, status, finish }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STEP", description = "begin, status or finish.")
    Step step;

    @Option(names = "--data-dir", description = "The control plane's data directory (default: ~/.meshlane).")
    Path dataDir = ControlPlaneOptions.defaults().dataDir();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            switch (step) {
                case begin -> {
                    X509Certificate next = CaRotation.begin(dataDir);
                    share();
                    out.println("new CA " + CaRotation.name(next) + " issues node and workload certificates from the next start;"
                            + " " + dataDir.resolve("ca.crt") + " now trusts it and the previous CA.");
                    out.println("next: restart the control plane (each replica), give every agent, kubeconfig and OTLP exporter the new"
                            + " ca.crt, wait until every agent renewed (`kubectl get nodeaccelerations -o wide` shows CA "
                            + CaRotation.name(next) + " for every node), then run"
                            + " rotate-ca finish");
                }
                case finish -> {
                    CaRotation.finish(dataDir);
                    share();
                    out.println("the previous CA is no longer trusted; restart the control plane (each replica) to serve with a"
                            + " certificate from " + CaRotation.name(CaRotation.state(dataDir).issuing())
                            + ": agents still holding a certificate of the previous CA must join again with a new token");
                }
                case status -> {
                    CaRotation.State state = CaRotation.state(dataDir);
                    out.println("issuing CA: " + CaRotation.name(state.issuing()) + " (valid until " + state.issuing().getNotAfter().toInstant() + ")");
                    out.println("trusted: " + state.trusted().stream().map(CaRotation::name).collect(Collectors.joining(", ")));
                    out.println(state.rotating() ? "a rotation is under way: finish it with rotate-ca finish once every agent renewed"
                            : "no rotation under way");
                }
            }
        } catch (IllegalStateException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return 0;
    }

    /** Replicas on etcd adopt the CA files from their shared store at start: the step must reach it. */
    private void share() {
        var shared = SharedStore.of(dataDir);
        try {
            shared.ifPresent(store -> SharedSecrets.publish(store, dataDir));
        } finally {
            shared.ifPresent(io.meshlane.control.store.ResourceStore::close);
        }
    }
}
