package io.meshlane.control.xds;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshlane.control.registry.RegistryListener;
import io.meshlane.control.registry.ServiceRegistry;
import io.meshlane.control.store.ResourceStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The control plane's xDS endpoint, and the xds package's public front: reads the hosted configuration
 * from the control plane's store ({@link StoreConfigSource}) and the mesh's {@link ServiceRegistry}, translates them ({@link MeshTranslation}) and serves ADS (state-of-the-world
 * and delta) on {@link XdsOptions#port()} (15010 by default), plaintext on loopback unless TLS files are
 * given. All translation runs on one thread; pushes go out from it to the affected streams.
 *
 * <pre>{@code
 * XdsServer xds = XdsServer.start(XdsOptions.defaults(), store, new ServiceRegistry());
 * ...
 * xds.close();
 * }</pre>
 */
public final class XdsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(XdsServer.class.getName());
    public static final String REVISION_LABEL = "istio.io/rev";
    static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;
    static final int MAX_METADATA_BYTES = 8 * 1024;
    static final int MAX_STREAMS_PER_CONNECTION = 64;
    /** NACK reports kept for {@link #nacks()}: the most recent ones, so a storm cannot grow the heap. */
    static final int MAX_NACKS_KEPT = 1000;

    private final XdsOptions options;
    private final ConfigSource config;
    private final ServiceRegistry registry;
    private final ExecutorService compute = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("xds-compute").unstarted(r));
    private final MeshTranslation translation;
    private final AdsService ads;
    private final List<NackReport> nacks = new CopyOnWriteArrayList<>();
    private final List<Consumer<NackReport>> nackListeners = new CopyOnWriteArrayList<>();
    private final List<AdsService.AckListener> ackListeners = new CopyOnWriteArrayList<>();
    private final RegistryListener registryListener;
    private final CountDownLatch synced = new CountDownLatch(1);
    private volatile long appliedRevision;
    private Server server;

    private XdsServer(XdsOptions options, ConfigSource config, ServiceRegistry registry) {
        this.options = options;
        this.config = config;
        this.registry = registry;
        this.translation = MeshTranslation.of(registry, options.mesh());
        this.ads = new AdsService(translation.views(), this::refuse, report -> {
            nacks.add(report);
            while (nacks.size() > MAX_NACKS_KEPT) {
                nacks.removeFirst();
            }
            nackListeners.forEach(l -> l.accept(report));
        }, (node, type, version, names) -> ackListeners.forEach(l -> l.acked(node, type, version, names)));
        translation.cache().onChange(ads::push);
        this.registryListener = hosts -> compute.execute(() -> {
            try {
                translation.changes().registryChanged(hosts);
            } catch (RuntimeException e) {
                LOG.log(java.util.logging.Level.WARNING, "cannot translate registry changes for " + hosts, e);
            }
        });
    }

    /** Starts serving the configuration in {@code store}; returns once it has been translated (at most 30 s). */
    public static XdsServer start(XdsOptions options, ResourceStore store, ServiceRegistry registry) {
        return start(options, new StoreConfigSource(store), registry);
    }

    /** Starts serving what {@code config} delivers (tests feed the store through the same seam). */
    static XdsServer start(XdsOptions options, ConfigSource config, ServiceRegistry registry) {
        XdsServer x = new XdsServer(options, config, registry);
        x.begin();
        return x;
    }

    private void begin() {
        registry.addListener(registryListener);
        config.start(new ConfigListener() {
            @Override
            public void upsert(MeshObject object) {
                compute.execute(() -> {
                    try {
                        translation.changes().upsert(object);
                        if (MeshObject.NAMESPACE.equals(object.kind())) {
                            ads.recheckGate();
                        }
                    } catch (RuntimeException e) {
                        LOG.log(java.util.logging.Level.WARNING, "cannot translate " + object.key() + " at revision "
                                + object.revision() + "; the previous configuration stays in force", e);
                    }
                    appliedRevision = Math.max(appliedRevision, object.revision());
                });
            }

            @Override
            public void delete(String kind, String namespace, String name, long revision) {
                compute.execute(() -> {
                    try {
                        translation.changes().delete(kind, namespace, name, revision);
                    } catch (RuntimeException e) {
                        LOG.log(java.util.logging.Level.WARNING, "cannot apply the deletion of " + kind + " " + namespace + "/" + name, e);
                    }
                    appliedRevision = Math.max(appliedRevision, revision);
                });
            }

            @Override
            public void synced() {
                compute.execute(() -> {
                    translation.changes().synced();
                    synced.countDown();
                });
            }
        });
        try {
            if (!synced.await(30, TimeUnit.SECONDS)) {
                LOG.warning("the hosted configuration was not fully read within 30 s; serving what is known");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ServerCredentials creds;
        try {
            creds = options.tls()
                    ? TlsServerCredentials.create(options.tlsCertChain().toFile(), options.tlsPrivateKey().toFile())
                    : InsecureServerCredentials.create();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the xDS TLS files " + options.tlsCertChain() + " and "
                    + options.tlsPrivateKey() + ": " + e.getMessage(), e);
        }
        try {
            server = limit(NettyServerBuilder.forAddress(new InetSocketAddress(options.host(), options.port()), creds)
                    .addService(ads)).build().start();
        } catch (IOException e) {
            config.close();
            throw new IllegalStateException("cannot serve xDS on " + options.host() + ":" + options.port() + ": "
                    + e.getMessage() + " (choose another port with --xds-port)", e);
        }
        if (!options.tls() && !InetAddress.ofLiteral(loopbackOrAny(options.host())).isLoopbackAddress()) {
            LOG.warning("plaintext xDS is served on " + options.host() + ", beyond loopback (--xds-insecure-bind): any host that reaches it"
                    + " reads the whole mesh configuration unauthenticated; remote clients should use the mTLS port with a workload certificate");
        }
        LOG.info("xDS (ADS, SotW and delta) serving on " + options.host() + ":" + port() + (options.tls() ? " with TLS" : " in plaintext")
                + ", revision " + options.revision());
    }

    private static String loopbackOrAny(String host) {
        return "localhost".equals(host) ? "127.0.0.1" : host.matches("[0-9a-fA-F.:]+") ? host : "0.0.0.0";
    }

    /**
     * The limits every ADS endpoint sets (this plaintext one and the mTLS port that hosts {@link #adsService()}):
     * a discovery request is at most {@value #MAX_REQUEST_BYTES} bytes (gRPC's 4 MiB default, made explicit:
     * a 10 MB nonce or a million resource names is refused with RESOURCE_EXHAUSTED before it is parsed),
     * request headers at most {@value #MAX_METADATA_BYTES} bytes, at most {@value #MAX_STREAMS_PER_CONNECTION}
     * concurrent streams on one connection, keepalive pings no more often than every 5 s.
     */
    public static NettyServerBuilder limit(NettyServerBuilder builder) {
        return builder.maxInboundMessageSize(MAX_REQUEST_BYTES).maxInboundMetadataSize(MAX_METADATA_BYTES)
                .maxConcurrentCallsPerConnection(MAX_STREAMS_PER_CONNECTION)
                .permitKeepAliveTime(5, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true);
    }

    /** ADS as a service to host on another server (the mTLS port), sharing this server's translation and streams. */
    public io.grpc.BindableService adsService() {
        return ads;
    }

    /** Revisions: a node is served only if its namespace selects this control plane's revision. */
    private String refuse(ProxyNode node) {
        String rev = translation.index().namespace(node.namespace())
                .map(ns -> ns.object().path("metadata").path("labels").path(REVISION_LABEL).asText(""))
                .orElse("");
        String wanted = rev.isEmpty() ? "default" : rev;
        if (wanted.equals(options.revision())) {
            return null;
        }
        return "namespace " + node.namespace() + " selects control-plane revision '" + wanted + "' (label " + REVISION_LABEL
                + "), this one serves '" + options.revision() + "'; point the node's bootstrap at that revision's xDS address";
    }

    public int port() {
        return server.getPort();
    }

    public XdsOptions options() {
        return options;
    }

    XdsStats stats() {
        return new XdsStats(ads.streams.size(), ads.responses.get(), ads.acks.get(), ads.nacks.get(), ads.rejectedNodes.get(),
                translation.rejections().size());
    }

    /** How many NACKs were counted (a response NACKed again and again counts once). */
    public long nacksReceived() {
        return ads.nacks.get();
    }

    /** The NACKs received, at most {@value #MAX_NACKS_KEPT} most recent (most recent last). */
    List<NackReport> nacks() {
        return List.copyOf(nacks);
    }

    /** Objects the translator refused (their last good version stays in force). */
    List<Rejection> rejections() {
        return translation.rejections().all();
    }

    /** Hook to attach NACK reports to objects (e.g. a status condition), called on the gRPC thread. */
    void onNack(Consumer<NackReport> listener) {
        nackListeners.add(listener);
    }

    /** Hook told of each configuration object the translator refuses, on the translation thread. */
    void onNotice(Consumer<RejectionLog.Notice> listener) {
        translation.rejections().onNotice(listener);
    }

    /** Hook told, on the translation thread, when the services a TestLane covers differ from its stored status. */
    void onLaneCoverage(Consumer<LaneCoverage.Covered> listener) {
        translation.laneCoverage().onChange(listener);
    }

    void onRejection(Consumer<Rejection> listener) {
        translation.rejections().onRejection(listener);
    }

    /** Hook called on each ACK (node id, type URL, version, resource names); used by benchmarks. */
    void onAck(AdsService.AckListener listener) {
        ackListeners.add(listener);
    }

    /** The highest store revision translated and pushed so far. */
    long appliedRevision() {
        return appliedRevision;
    }

    /** Waits (up to 30 s) until the store change at {@code revision} has been translated and pushed. */
    boolean awaitRevision(long revision) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (appliedRevision < revision && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return appliedRevision >= revision;
    }

    /** Waits until every change submitted so far has been translated and pushed (tests, benchmarks). */
    void awaitIdle() {
        CountDownLatch l = new CountDownLatch(1);
        compute.execute(l::countDown);
        try {
            l.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        registry.removeListener(registryListener);
        config.close();
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        compute.shutdownNow();
    }
}
