package io.meshlane.control.cli;

import io.meshlane.control.agents.AgentServer;
import io.meshlane.control.identity.IdentityOptions;
import io.meshlane.control.xds.XdsOptions;
import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.server.MeshControl;
import io.meshlane.control.server.MeshControlOptions;
import io.meshlane.control.telemetry.TelemetryOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshlane control}: runs the control plane in the foreground until interrupted. */
@Command(name = "control", mixinStandardHelpOptions = true, subcommands = {TokenCommand.class, NodeCommand.class, WorkloadCertCommand.class, RotateCaCommand.class},
        description = "Serve the mesh configuration (Kubernetes API over HTTPS) until stopped with Ctrl-C.")
public final class ControlCommand implements Callable<Integer> {

    /** Storage engines selectable with --store. */
    public enum Store { embedded, etcd }

    @Option(names = "--data-dir", description = "Directory for certificates, token, kubeconfig and the embedded store (default: ~/.meshlane).")
    Path dataDir = ControlPlaneOptions.defaults().dataDir();

    @Option(names = "--listen", description = "host:port to serve HTTPS on (default: 127.0.0.1:6443).")
    String listen = "127.0.0.1:" + ControlPlaneOptions.DEFAULT_PORT;

    @Option(names = "--serving-name", description = "A host name or IP clients reach this control plane by (repeatable), named in the serving"
            + " certificate generated on first start (e.g. a Kubernetes Service's DNS names); a data directory's existing certificate is kept.")
    List<String> servingNames = List.of();

    @Option(names = "--store", description = "Storage engine: embedded (default) or etcd.")
    Store store = Store.embedded;

    @Option(names = "--etcd-endpoints", split = ",", description = "etcd client URLs for --store etcd, e.g. http://127.0.0.1:2379.")
    List<String> etcdEndpoints = List.of();

    @Option(names = "--etcd-cluster", description = "Instead of serving: start this many local etcd members (Debian's etcd-server) on"
            + " loopback under --data-dir/etcd-cluster, print their endpoints and the commands that start replicas on them,"
            + " and stop them on Ctrl-C or SIGTERM.")
    int etcdCluster;

    @Option(names = "--etcd-port", description = "With --etcd-cluster: member i listens for clients on this port + i and for peers on"
            + " this port + 10 + i (default: 23790).")
    int etcdPort = 23790;

    @Option(names = "--agents-port", description = "Port node agents connect to on the listen host (default: 15012; 0 = any free one).")
    int agentsPort = AgentServer.DEFAULT_PORT;

    @Option(names = "--xds-port", description = "ADS (xDS) port on the listen host (default: 15010; 0 = any free one).")
    int xdsPort = XdsOptions.DEFAULT_PORT;

    @Option(names = "--xds-insecure-bind", description = "Address for plaintext ADS (--xds-port); default 127.0.0.1. Anything but loopback"
            + " serves the mesh configuration unauthenticated to whoever reaches it; remote clients belong on the mTLS port (--agents-port).")
    String xdsInsecureBind = "127.0.0.1";

    @Option(names = "--xds-tls-cert", description = "PEM certificate chain: serve ADS over TLS (with --xds-tls-key).")
    Path xdsTlsCert;

    @Option(names = "--xds-tls-key", description = "PEM private key for --xds-tls-cert.")
    Path xdsTlsKey;

    @Option(names = "--node-cert-lifetime", description = "Lifetime of the node certificates agents get, e.g. 24h or 30s; agents renew at two thirds (default: 24h).")
    String nodeCertLifetime = "24h";

    @Option(names = "--revision", description = "Serve only proxies whose namespace selects this revision (label istio.io/rev); default: default.")
    String revision = "default";

    @Option(names = "--cluster", description = "This control plane's cluster name: labels telemetry without a cluster of its own and names it in federated views (default: local).")
    String cluster = "local";

    @Option(names = "--otlp-grpc-port", description = "OTLP/gRPC receiver port on the listen host (default: 4317; 0 = any free one; -1 = off).")
    int otlpGrpcPort = TelemetryOptions.DEFAULT_OTLP_GRPC_PORT;

    @Option(names = "--otlp-insecure-loopback", description = "Serve OTLP as plaintext without authentication (only with --listen on a loopback address; for a local lab). Default: OTLP needs TLS and a telemetry token or a client certificate from the CA.")
    boolean otlpInsecureLoopback;

    @Option(names = "--otlp-http-port", description = "OTLP/HTTP receiver port on the listen host (default: 4318; 0 = any free one; -1 = off).")
    int otlpHttpPort = TelemetryOptions.DEFAULT_OTLP_HTTP_PORT;

    @Option(names = "--telemetry-memory", description = "Memory budget for all telemetry (aggregates, traces, logs), e.g. 256Mi or 2Gi (default: 256Mi). The oldest data goes first when it is reached.")
    String telemetryMemory = "256Mi";

    @Option(names = "--telemetry-max-series", description = "Most distinct aggregate series kept; more are folded into an overflow series and counted (default: 20000).")
    int maxSeries = 20_000;

    @Option(names = "--federate", description = "Kubeconfig of a peer control plane whose telemetry joins this one's views (repeatable).")
    List<Path> peers = List.of();

    @Option(names = "--scrape", description = "Prometheus endpoint to scrape for Istio metrics, e.g. http://10.0.0.5:15020/stats/prometheus (repeatable).")
    List<java.net.URI> scrapeTargets = List.of();

    @Option(names = "--scrape-interval", description = "How often to scrape --scrape targets, e.g. 15s (default: 15s).")
    String scrapeInterval = "15s";

    @Option(names = "--otlp-forward", description = "host:port of an OTLP/gRPC collector to forward every accepted OTLP batch to.")
    String otlpForward;

    @Option(names = "--remote-write", description = "Prometheus remote-write URL to push the aggregated RED metrics to, e.g. http://prometheus:9090/api/v1/write.")
    java.net.URI remoteWrite;

    @Option(names = "--remote-write-interval", description = "How often to push to --remote-write, e.g. 15s (default: 15s).")
    String remoteWriteInterval = "15s";

    @Override
    public Integer call() throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
        if (etcdCluster > 0) {
            return EtcdClusterHelper.run(etcdCluster, etcdPort, dataDir, stopped);
        }
        return serveUntil(stopped, plane -> { });
    }

    /** Serves until {@code stop} opens; {@code started} sees the running plane (tests, embedding). */
    public int serveUntil(CountDownLatch stop, java.util.function.Consumer<ControlPlane> started) throws InterruptedException {
        ControlPlaneOptions options = options();
        if (!servingNames.isEmpty()) {
            io.meshlane.control.security.TlsMaterial.ensure(options.dataDir(), options.host(), servingNames);
        }
        try (MeshControl mesh = MeshControl.start(MeshControlOptions.of(options).withPorts(agentsPort, xdsPort)
                .withXds(xdsTlsCert, xdsTlsKey, revision).withIdentity(identityOptions()).withXdsInsecureBind(xdsInsecureBind))) {
            ControlPlane plane = mesh.plane();
            System.out.println("meshlane control plane serving " + plane.url());
            System.out.println("node agents connect to " + options.host() + ":" + mesh.agents().port() + " (TLS; first with a join token"
                    + " from meshlane control token create, then with the node certificate they get)"
                    + "; proxies and proxyless gRPC clients get xDS (ADS, revision " + revision + ") there over mTLS with a workload"
                    + " certificate (meshlane control workload-cert), or in plaintext on " + mesh.xds().options().host() + ":" + mesh.xds().port()
                    + (xdsTlsCert != null ? " (TLS)" : isLoopback(mesh.xds().options().host()) ? " (loopback only)"
                    : " (WARNING: plaintext xDS beyond loopback, unauthenticated: --xds-insecure-bind)"));
            System.out.println("use it with: kubectl --kubeconfig " + plane.kubeconfig() + " get namespaces");
            System.out.println(TelemetryBanner.lines(plane));
            started.accept(plane);
            stop.await();
        }
        return 0;
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    ControlPlaneOptions options() {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--listen must be host:port, e.g. 127.0.0.1:6443, not \"" + listen + "\"");
        }
        String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--listen port must be a number, e.g. 127.0.0.1:6443, not \"" + listen + "\"");
        }
        ControlPlaneOptions options = ControlPlaneOptions.defaults().withDataDir(dataDir).withListen(host, port)
                .withTelemetry(telemetryOptions());
        if (store == Store.etcd) {
            if (etcdEndpoints.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--store etcd needs --etcd-endpoints, e.g. --etcd-endpoints http://127.0.0.1:2379");
            }
            options = options.withEtcd(etcdEndpoints);
        }
        return options;
    }

    private IdentityOptions identityOptions() {
        try {
            return IdentityOptions.defaults().withLifetime(Quantities.duration(nodeCertLifetime, "--node-cert-lifetime"));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
        }
    }

    private TelemetryOptions telemetryOptions() {
        try {
            return TelemetryOptions.defaults().withCluster(cluster).withPorts(otlpGrpcPort, otlpHttpPort)
                    .withOtlpInsecureLoopback(otlpInsecureLoopback)
                    .withBudget(Quantities.bytes(telemetryMemory, "--telemetry-memory"), maxSeries)
                    .withPeers(peers).withScrape(scrapeTargets, Quantities.duration(scrapeInterval, "--scrape-interval"))
                    .withExport(otlpForward, remoteWrite)
                    .withRemoteWriteInterval(Quantities.duration(remoteWriteInterval, "--remote-write-interval"));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
        }
    }
}
