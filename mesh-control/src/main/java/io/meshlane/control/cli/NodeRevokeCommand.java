package io.meshlane.control.cli;

import io.meshlane.control.identity.IdentityRecords;
import io.meshlane.control.identity.Revocations;
import io.meshlane.control.server.ControlPlaneOptions;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshlane control node revoke N [--cluster C]}: the node's certificates are refused from now on, its open streams end. */
@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Refuse a node's certificates from now on; its open streams are closed. It may join again only with a new join token.")
final class NodeRevokeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NODE", description = "The node's name.")
    String node;

    @Option(names = "--cluster", description = "Revoke the node of this cluster only (default: the node of that name in every cluster).")
    String cluster;

    @Option(names = "--data-dir", description = "The control plane's data directory (default: ~/.meshlane).")
    Path dataDir = ControlPlaneOptions.defaults().dataDir();

    @Override
    public Integer call() {
        Revocations.Revocation revoked;
        try {
            var shared = io.meshlane.control.fleet.SharedStore.of(dataDir);
            try {
                revoked = IdentityRecords.of(dataDir, shared).revocations().revoke(Optional.ofNullable(cluster), node);
            } finally {
                shared.ifPresent(io.meshlane.control.store.ResourceStore::close);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        spec.commandLine().getOut().println("node " + node + (cluster == null ? " (every cluster)" : " (cluster " + cluster + ")") + " revoked at "
                + revoked.at() + ": its certificates are refused and a running control plane closes its streams within a second");
        return 0;
    }
}
