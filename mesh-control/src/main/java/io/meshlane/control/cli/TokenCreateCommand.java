package io.meshlane.control.cli;

import io.meshlane.control.identity.JoinToken;
import io.meshlane.control.identity.IdentityRecords;
import io.meshlane.control.server.ControlPlaneOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshlane control token create --cluster C [--ttl 24h] [--scope agent]}: prints a one-time
 * join token (stdout, nothing else there, so {@code $(...)} captures it); the record of it is
 * written to the data directory, where a running control plane finds it.
 */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a one-time join token and print it; an agent joins with it once (--join-token-file) before it expires.")
final class TokenCreateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", description = "The control plane's data directory (default: ~/.meshlane).")
    Path dataDir = ControlPlaneOptions.defaults().dataDir();

    @Option(names = "--cluster", required = true, description = "The cluster the joining node belongs to.")
    String cluster;

    @Option(names = "--ttl", description = "How long the token stays usable, e.g. 30m or 24h (default: 24h).")
    String ttl = "24h";

    @Option(names = "--scope", description = "What the token is for: ${COMPLETION-CANDIDATES} (default: agent).")
    JoinToken.Scope scope = JoinToken.Scope.agent;

    @Override
    public Integer call() {
        String token;
        java.time.Duration lifetime;
        try {
            lifetime = Quantities.duration(ttl, "--ttl");
            var shared = io.meshlane.control.fleet.SharedStore.of(dataDir);
            try {
                token = IdentityRecords.of(dataDir, shared).tokens().create(cluster, lifetime, scope);
            } finally {
                shared.ifPresent(io.meshlane.control.store.ResourceStore::close);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        spec.commandLine().getOut().println(token);
        spec.commandLine().getErr().println(scope == JoinToken.Scope.agent
                ? "one-time agent join token for cluster " + cluster + ", usable until " + Instant.now().plus(lifetime)
                        + "; give it to the agent in a file (mode 0600): --join-token-file FILE"
                : "telemetry token for cluster " + cluster + ", usable (many times) until " + Instant.now().plus(lifetime)
                        + "; OTLP exporters send it as the header Authorization: Bearer <token> over TLS (trust ca.crt)");
        return 0;
    }
}
