package io.meshlane.control.cli;

import io.meshlane.control.identity.IdentityOptions;
import io.meshlane.control.identity.WorkloadCertificates;
import io.meshlane.control.identity.WorkloadId;
import io.meshlane.control.server.ControlPlaneOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshlane control workload-cert --namespace N --service-account S --out DIR}: issues a workload
 * certificate from the control plane's CA (read from its data directory, so it runs where the control
 * plane's files are) for a proxyless gRPC client's xDS bootstrap.
 */
@Command(name = "workload-cert", mixinStandardHelpOptions = true,
        description = "Issue a workload certificate (spiffe://<trust-domain>/ns/N/sa/S) for xDS over mTLS: writes cert.pem, key.pem, ca.pem (mode 0600) to --out.")
final class WorkloadCertCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", description = "The control plane's data directory (default: ~/.meshlane).")
    Path dataDir = ControlPlaneOptions.defaults().dataDir();

    @Option(names = "--namespace", required = true, description = "The workload's namespace: it decides which configuration the client sees.")
    String namespace;

    @Option(names = "--service-account", required = true, description = "The workload's service account.")
    String serviceAccount;

    @Option(names = "--out", required = true, description = "Directory to write cert.pem, key.pem and ca.pem to.")
    Path out;

    @Option(names = "--lifetime", description = "How long the certificate is valid, e.g. 24h (default: 24h); issue a new one before it ends.")
    String lifetime = "24h";

    @Option(names = "--trust-domain", description = "SPIFFE trust domain (default: " + IdentityOptions.DEFAULT_TRUST_DOMAIN + ").")
    String trustDomain = IdentityOptions.DEFAULT_TRUST_DOMAIN;

    @Override
    public Integer call() throws IOException {
        WorkloadCertificates.Files files;
        try {
            WorkloadId id = new WorkloadId(namespace, serviceAccount);
            files = WorkloadCertificates.open(dataDir, trustDomain).issue(id, Quantities.duration(lifetime, "--lifetime"), out);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        spec.commandLine().getOut().println("wrote " + files.certificate() + ", " + files.privateKey() + " and " + files.ca()
                + " (mode 0600) for " + new WorkloadId(namespace, serviceAccount).spiffe(trustDomain) + ", valid until "
                + files.issued().getNotAfter().toInstant());
        spec.commandLine().getOut().println("xDS bootstrap: \"channel_creds\": [{\"type\": \"tls\", \"config\": {\"certificate_file\": \""
                + files.certificate() + "\", \"private_key_file\": \"" + files.privateKey() + "\", \"ca_certificate_file\": \"" + files.ca()
                + "\"}}] with the meshlane-xds-tls jar (mesh-api) on the client's classpath; server_uri: the agents' port (15012)");
        return 0;
    }
}
