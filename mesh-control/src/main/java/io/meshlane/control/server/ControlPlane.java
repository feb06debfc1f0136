package io.meshlane.control.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.api.ApiRouter;
import io.meshlane.control.api.CrdCleanup;
import io.meshlane.control.http.Json;
import io.meshlane.control.api.NamespaceCleanup;
import io.meshlane.control.api.ResourceService;
import io.meshlane.control.crd.BuiltinKinds;
import io.meshlane.control.dashboard.DashboardPages;
import io.meshlane.control.crd.CelRuleEngine;
import io.meshlane.control.crd.CrdDefinition;
import io.meshlane.control.crd.CrdSync;
import io.meshlane.control.audit.AuditLog;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.fairness.RequestLimiter;
import io.meshlane.control.crd.ObjectValidation;
import io.meshlane.control.crd.SchemaValidator;
import io.meshlane.control.crd.StructuralSchemaCheck;
import io.meshlane.control.mesh.FieldSupport;
import io.meshlane.control.mesh.IstioCrds;
import io.meshlane.control.mesh.MeshKinds;
import io.meshlane.control.mesh.NetworkingChecks;
import io.meshlane.control.mesh.UnsupportedFields;
import io.meshlane.control.autoscaling.AutoscalingEngine;
import io.meshlane.control.autoscaling.MeshMetrics;
import io.meshlane.control.externalmetrics.ExternalMetricsApi;
import io.meshlane.control.fleet.HistoryCompaction;
import io.meshlane.control.fleet.LeaderElection;
import io.meshlane.control.fleet.SharedSecrets;
import io.meshlane.control.fleet.SharedStore;
import io.meshlane.control.security.AccessFile;
import io.meshlane.control.security.AccessPolicy;
import io.meshlane.control.security.Kubeconfig;
import io.meshlane.control.security.TlsMaterial;
import io.meshlane.control.identity.IdentityOptions;
import io.meshlane.control.identity.IdentityRecords;
import io.meshlane.control.identity.TelemetryCredentials;
import io.meshlane.control.security.Token;
import io.meshlane.control.store.EtcdStore;
import io.meshlane.control.store.KeyExistsException;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.SqliteStore;
import io.meshlane.control.telemetry.Telemetry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A running control plane: TLS material, token, store, served kinds and the HTTPS server.
 * {@code ControlPlane.start(options)} returns once it serves; {@link #close()} stops it.
 */
public final class ControlPlane implements AutoCloseable {

    private final ResourceStore store;
    private final CrdSync crdSync;
    private final ScheduledExecutorService timer;
    private final ApplicationContext context;
    private final String url;
    private final Path kubeconfig;
    private final Token token;
    private final TlsMaterial tls;
    private final Telemetry telemetry;
    private final AuditLog audit;
    private final Path dataDir;
    private final LeaderElection election;
    private final HistoryCompaction compaction;
    private final IdentityRecords identity;
    private final AutoscalingEngine autoscaling;

    /** History younger than this stays in etcd, so watches resuming within it get no 410. */
    private static final Duration COMPACT_KEEP = Duration.ofMinutes(5);
    private static final Duration COMPACT_EVERY = Duration.ofSeconds(30);
    /** How often the engine looks for autoscalers due (each is evaluated every spec.intervalSeconds). */
    private static final long AUTOSCALING_TICK_MILLIS = 1000;

    private ControlPlane(Path dataDir, ResourceStore store, CrdSync crdSync, ScheduledExecutorService timer, ApplicationContext context,
                         String url, Path kubeconfig, Token token, TlsMaterial tls, Telemetry telemetry, AuditLog audit,
                         LeaderElection election, HistoryCompaction compaction, IdentityRecords identity, AutoscalingEngine autoscaling) {
        this.identity = identity;
        this.election = election;
        this.autoscaling = autoscaling;
        this.compaction = compaction;
        this.store = store;
        this.crdSync = crdSync;
        this.timer = timer;
        this.context = context;
        this.url = url;
        this.kubeconfig = kubeconfig;
        this.token = token;
        this.tls = tls;
        this.telemetry = telemetry;
        this.audit = audit;
        this.dataDir = dataDir;
    }

    public static ControlPlane start(ControlPlaneOptions options) {
        Path dataDir = options.dataDir().toAbsolutePath();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the data directory " + dataDir + ": " + e.getMessage()
                    + " (choose another with --data-dir)", e);
        }
        boolean fleet = options.store() == StoreKind.ETCD;
        ResourceStore store = fleet ? new EtcdStore(options.etcdEndpoints()) : SqliteStore.open(dataDir.resolve("store"));
        Telemetry telemetry = null;
        AuditLog audit = null;
        LeaderElection election = null;
        try {
            if (fleet) {
                SharedSecrets.adopt(store, dataDir, options.host());
                SharedStore.remember(dataDir, options.etcdEndpoints());
            } else {
                SharedStore.forget(dataDir);
            }
            TlsMaterial tls = TlsMaterial.ensure(dataDir, options.host());
            IdentityRecords identity = IdentityRecords.of(dataDir, fleet ? java.util.Optional.of(store) : java.util.Optional.empty());
            Token token = Token.ensure(dataDir);
            CelRuleEngine cel = new CelRuleEngine();
            CrdDefinition crds = new CrdDefinition(new StructuralSchemaCheck(cel));
            KindRegistry registry = new KindRegistry(crds);
            registry.define(BuiltinKinds.namespaces());
            registry.define(BuiltinKinds.customResourceDefinitions());
            registry.define(crds.kind(MeshKinds.accelerationPolicyCrd()));
            registry.define(crds.kind(MeshKinds.nodeAccelerationCrd()));
            registry.define(crds.kind(MeshKinds.testLaneCrd()));
            registry.define(crds.kind(MeshKinds.metricAutoscalerCrd()));
            registry.define(crds.kind(MeshKinds.memberClusterCredentialCrd()));
            registry.define(BuiltinKinds.leases());
            ObjectValidation validation = new ObjectValidation(new SchemaValidator(cel), crds, List.of(new NetworkingChecks(),
                    new UnsupportedFields(FieldSupport.istio(), Clock.systemUTC())));
            ResourceService resources = new ResourceService(store, validation, List.of((kind, object, deleted) -> {
                if (ObjectValidation.isCrd(kind)) {
                    if (deleted) {
                        registry.removeCrd(object.path("metadata").path("name").asText());
                    } else {
                        registry.applyCrd(object);
                    }
                }
            }, new NamespaceCleanup(store, registry), new CrdCleanup(store, crds)));
            ensureNamespace(store, "default", Map.of());
            if (fleet) {
                ensureNamespace(store, LeaderElection.NAMESPACE, Map.of());
            }
            IstioCrds.installMissing(store);
            CrdSync crdSync = new CrdSync(store, registry);
            crdSync.start();
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("watch-timer").unstarted(r));
            AccessFile accessFile = AccessFile.read(dataDir);
            AccessPolicy access = AccessPolicy.load(accessFile, token);
            audit = AuditLog.open(dataDir, accessFile);
            ApiRouter router = new ApiRouter(access, RequestLimiter.from(accessFile), audit, registry, resources, timer,
                    options.bookmarkMillis());
            router.dashboard(new DashboardPages(access));
            // a single replica leads alone; replicas on etcd elect one before the server serves
            BooleanSupplier leads = () -> true;
            if (fleet) {
                LeaderElection elected = LeaderElection.start(options.etcdEndpoints(), store,
                        options.host() + ":" + (options.port() == 0 ? "any" : options.port()));
                election = elected;
                leads = elected::isLeader;
            }
            telemetry = Telemetry.start(options.telemetry(), options.host(),
                    TelemetryCredentials.open(identity, tls, IdentityOptions.DEFAULT_TRUST_DOMAIN),
                    access, resources, registry, leads);
            router.mount("telemetry", telemetry.routes());
            router.mount("metrics", telemetry.metrics());
            // Micronaut's -1 binds a random port atomically; a port picked and released beforehand could be taken
            // by any outgoing connection before the server binds it
            ApplicationContext context = startServer(options.host(), options.port() == 0 ? -1 : options.port(), tls,
                    access, dataDir, router);
            int port = context.getBean(EmbeddedServer.class).getPort();
            String address = (options.host().contains(":") ? "[" + options.host() + "]" : options.host()) + ":" + port;
            router.serverAddress(address);
            String url = "https://" + address;
            Path kubeconfig = Kubeconfig.write(dataDir, url, tls, token);
            if (election != null) {
                // every replica's kubeconfig names them all, one context each, as they come and go
                election.advertise(url, replicas -> Kubeconfig.write(dataDir, url, replicas, tls, token));
            }
            HistoryCompaction compaction = fleet ? HistoryCompaction.start(store, leads, COMPACT_KEEP, COMPACT_EVERY) : null;
            // singleton work like compaction: only the leader scales, from its own telemetry view
            MeshMetrics meshMetrics = new MeshMetrics(telemetry.store());
            router.externalMetrics(new ExternalMetricsApi(meshMetrics));
            AutoscalingEngine autoscaling = AutoscalingEngine.start(resources, registry, meshMetrics, leads, AUTOSCALING_TICK_MILLIS);
            return new ControlPlane(dataDir, store, crdSync, timer, context, url, kubeconfig, token, tls, telemetry, audit,
                    election, compaction, identity, autoscaling);
        } catch (RuntimeException e) {
            if (election != null) {
                election.close();
            }
            if (telemetry != null) {
                telemetry.close();
            }
            if (audit != null) {
                audit.close();
            }
            store.close();
            throw e;
        }
    }

    private static ApplicationContext startServer(String host, int port, TlsMaterial tls, AccessPolicy access, Path dataDir,
                                                  ApiRouter router) {
        Map<String, Object> properties = new java.util.HashMap<>(Map.ofEntries(
                Map.entry("micronaut.server.host", host),
                Map.entry("micronaut.server.port", port),
                Map.entry("micronaut.server.ssl.enabled", true),
                Map.entry("micronaut.server.ssl.port", port),
                Map.entry("micronaut.server.ssl.key-store.path", "file:" + tls.keyStore()),
                Map.entry("micronaut.server.ssl.key-store.password", tls.keyStorePassword()),
                Map.entry("micronaut.server.ssl.key-store.type", "PKCS12"),
                Map.entry("micronaut.server.max-request-size", 16L * 1024 * 1024),
                // client-go (kubectl, informers) multiplexes everything over one HTTP/2 connection when ALPN offers h2;
                // HTTP/1.1 stays for clients that ask for it. Streams per connection: room for 1,000 watches and the
                // requests beside them (kube-apiserver allows 1,000 by default)
                Map.entry("micronaut.server.http-version", "2.0"),
                Map.entry("micronaut.server.netty.http2.max-concurrent-streams", 2_000L),
                Map.entry("micronaut.server.idle-timeout", "60m"),
                Map.entry("micronaut.server.read-idle-timeout", "60m"),
                Map.entry("micronaut.server.write-idle-timeout", "60m"),
                Map.entry("micronaut.banner.enabled", false)));
        access.requestHeaderCa().ifPresent(ca -> {
            TlsMaterial.TrustStore trust = TlsMaterial.trustStore(dataDir, ca);
            properties.put("micronaut.server.ssl.client-authentication", "want");
            properties.put("micronaut.server.ssl.trust-store.path", "file:" + trust.path());
            properties.put("micronaut.server.ssl.trust-store.password", trust.password());
            properties.put("micronaut.server.ssl.trust-store.type", "PKCS12");
        });
        try {
            ApplicationContext context = ApplicationContext.builder().properties(properties).singletons(router)
                    .deduceEnvironment(false).banner(false).start();
            context.getBean(EmbeddedServer.class).start();
            return context;
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot serve HTTPS on " + host + ":" + port + ": " + rootMessage(e)
                    + " (is another control plane running? choose another port with --listen)", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /**
     * Creates namespace {@code name} with {@code labels} when the store lacks it and returns true; a namespace
     * that exists is left exactly as it is (labels someone edited, a deletion in progress) and false is returned.
     */
    public boolean ensureNamespace(String name, Map<String, String> labels) {
        return ensureNamespace(store, name, labels);
    }

    private static boolean ensureNamespace(ResourceStore store, String name, Map<String, String> labels) {
        String key = BuiltinKinds.namespaces().key(null, name);
        if (store.get(key).isPresent()) {
            return false;
        }
        ObjectNode ns = Json.object().put("apiVersion", "v1").put("kind", "Namespace");
        ObjectNode metadata = ns.putObject("metadata").put("name", name).put("uid", UUID.randomUUID().toString())
                .put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).put("generation", 1);
        if (!labels.isEmpty()) {
            ObjectNode written = metadata.putObject("labels");
            new java.util.TreeMap<>(labels).forEach(written::put);
        }
        ns.putObject("status").put("phase", "Active");
        try {
            store.create(key, Json.bytes(ns));
            return true;
        } catch (KeyExistsException e) {
            // another replica (or a kubectl create) was first: theirs stays
            return false;
        }
    }

    public String url() {
        return url;
    }

    /** The link that signs a browser in to the dashboard (it contains the admin token: print it only to the operator). */
    public String dashboardUrl() {
        return url + "/dashboard/?token=" + token.value();
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public String token() {
        return token.value();
    }

    public Path caCertificate() {
        return tls.caCertificate();
    }

    /** The CA and serving certificate the other endpoints (agents') serve with too. */
    public TlsMaterial tls() {
        return tls;
    }

    /** Where certificates, tokens, join tokens and revocations live. */
    public Path dataDir() {
        return dataDir;
    }

    /** The join tokens and revocations the agents' endpoint and OTLP both check. */
    public IdentityRecords identityRecords() {
        return identity;
    }

    public ResourceStore store() {
        return store;
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    /** Where every write and refused request is recorded. */
    public Path auditLog() {
        return audit.file();
    }

    public int port() {
        return context.getBean(EmbeddedServer.class).getPort();
    }

    /** The MetricAutoscaler engine (it acts on the leader only). */
    public AutoscalingEngine autoscaling() {
        return autoscaling;
    }

    /** Whether this replica does the fleet's singleton work (always, on the embedded store). */
    public boolean leads() {
        return election == null || election.isLeader();
    }

    @Override
    public void close() {
        try {
            autoscaling.close();
            if (compaction != null) {
                compaction.close();
            }
            if (election != null) {
                election.close();
            }
            telemetry.close();
            context.close();
        } finally {
            crdSync.close();
            timer.shutdownNow();
            store.close();
            audit.close();
        }
    }
}
