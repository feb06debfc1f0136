package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsNameResolverProvider;
import io.meshlane.control.registry.Locality;
import io.meshlane.control.registry.MeshEndpoint;
import io.meshlane.control.registry.MeshService;
import io.meshlane.control.registry.ServicePort;
import io.meshlane.control.registry.ServiceRegistry;
import io.meshlane.control.store.SqliteStore;
import io.meshlane.control.store.StoredObject;
import io.meshlane.control.testing.TempDirs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A control plane for acceptance tests: the real embedded store (SQLite) written in the API's key layout,
 * the xDS server reading it through {@link StoreConfigSource}, a service registry, real gRPC backends on
 * loopback that answer with their name, and real grpc-java xDS clients whose bootstrap points at the server.
 */
final class MeshFixture implements AutoCloseable {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("meshlane.test.Echo/Who")
            .setRequestMarshaller(new StringMarshaller()).setResponseMarshaller(new StringMarshaller()).build();
    private static final AtomicInteger SCHEMES = new AtomicInteger();

    final Path dir;
    final SqliteStore store;
    final ServiceRegistry registry = new ServiceRegistry();
    final XdsServer xds;
    private final List<Server> backends = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    MeshFixture() throws IOException {
        this(XdsOptions.defaults().withPort(0));
    }

    MeshFixture(XdsOptions options) throws IOException {
        dir = Files.createTempDirectory("xds-test");
        store = SqliteStore.open(dir.resolve("store"));
        namespace("default", Map.of());
        xds = XdsServer.start(options, new StoreConfigSource(store), registry);
    }

    /** Writes a namespace object with labels (create or replace). */
    void namespace(String name, Map<String, String> labels) {
        ObjectNode ns = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace");
        ObjectNode md = ns.putObject("metadata").put("name", name);
        ObjectNode l = md.putObject("labels");
        labels.forEach(l::put);
        put(StoreConfigSource.key(MeshObject.NAMESPACE, "", name), ns);
    }

    /** Applies every document of a YAML file in {@code namespace}, as kubectl apply would store it. */
    void apply(Path file, String namespace) throws IOException {
        applyYaml(Files.readString(file), namespace);
    }

    /** What {@link #applied} wrote; closing it deletes those objects again (a test's clean-up). */
    interface Applied extends AutoCloseable {
        @Override
        void close();
    }

    /** Applies {@code yaml} like {@link #applyYaml} and returns a handle that deletes every object it wrote. */
    Applied applied(String yaml, String namespace) throws IOException {
        List<String[]> written = applyYaml(yaml, namespace);
        return () -> written.forEach(kindAndName -> delete(kindAndName[0], namespace, kindAndName[1]));
    }

    /** Applies every document; returns each one's kind and name. */
    List<String[]> applyYaml(String yaml, String namespace) throws IOException {
        List<String[]> written = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(yaml)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc == null || !doc.isObject() || !doc.has("kind")) {
                    continue;
                }
                ObjectNode o = (ObjectNode) doc;
                ObjectNode md = (ObjectNode) o.path("metadata");
                md.put("namespace", namespace);
                md.put("creationTimestamp", Instant.now().toString());
                put(StoreConfigSource.key(o.path("kind").asText(), namespace, md.path("name").asText()), o);
                written.add(new String[] {o.path("kind").asText(), md.path("name").asText()});
            }
        }
        return written;
    }

    void delete(String kind, String namespace, String name) {
        settle(store.delete(StoreConfigSource.key(kind, namespace, name), 0).modRevision());
    }

    /** Waits until the xDS server has translated and pushed the store change at {@code revision}. */
    private void settle(long revision) {
        if (xds != null && !xds.awaitRevision(revision)) {
            throw new AssertionError("the xDS server did not apply store revision " + revision + " within 30 s");
        }
    }

    private void put(String key, JsonNode value) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Optional<StoredObject> existing = store.get(key);
        StoredObject written = existing.isPresent() ? store.update(key, bytes, existing.get().modRevision()) : store.create(key, bytes);
        settle(written.modRevision());
    }

    /** Starts a gRPC backend on loopback that answers every call with {@code name}; returns its port. */
    int backend(String name) throws IOException {
        ServerServiceDefinition svc = ServerServiceDefinition.builder("meshlane.test.Echo")
                .addMethod(WHO, ServerCalls.asyncUnaryCall((req, obs) -> {
                    obs.onNext(name);
                    obs.onCompleted();
                })).build();
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(svc).build().start();
        backends.add(s);
        return s.getPort();
    }

    /** The second method of the xDS-enabled test server: RBAC tests deny one path and allow the other. */
    static final MethodDescriptor<String, String> SECRET = WHO.toBuilder().setFullMethodName("meshlane.test.Echo/Secret").build();

    /**
     * A real grpc-java xDS-enabled server (XdsServerBuilder) on a free loopback port, answering Who and Secret with
     * {@code name}: its bootstrap names the pod {@code name} in {@code namespace} with {@code labels} and points at
     * the test's xDS server, which serves its Listener (and so its RBAC). Returns its port once it serves.
     */
    int xdsServer(String name, String namespace, Map<String, String> labels) throws Exception {
        ServerServiceDefinition svc = ServerServiceDefinition.builder("meshlane.test.Echo")
                .addMethod(WHO, ServerCalls.asyncUnaryCall((req, obs) -> {
                    obs.onNext(name);
                    obs.onCompleted();
                }))
                .addMethod(SECRET, ServerCalls.asyncUnaryCall((req, obs) -> {
                    obs.onNext(name + "-secret");
                    obs.onCompleted();
                })).build();
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("id", "sidecar~127.0.0.1~" + name + "." + namespace + "~" + namespace + ".svc.cluster.local");
        node.put("metadata", Map.of("GENERATOR", "grpc", "LABELS", labels));
        Map<String, Object> bootstrap = Map.of(
                "xds_servers", List.of(Map.of("server_uri", "127.0.0.1:" + xds.port(),
                        "channel_creds", List.of(Map.of("type", "insecure")), "server_features", List.of("xds_v3"))),
                "node", node,
                "server_listener_resource_name_template", "grpc/server?xds.resource.listening_address=%s");
        int port = io.meshlane.control.testing.FreePorts.pick();
        java.util.concurrent.CountDownLatch serving = new java.util.concurrent.CountDownLatch(1);
        Server s = io.grpc.xds.XdsServerBuilder.forPort(port, io.grpc.xds.XdsServerCredentials.create(io.grpc.InsecureServerCredentials.create()))
                .overrideBootstrapForTest(bootstrap)
                .xdsServingStatusListener(new io.grpc.xds.XdsServerBuilder.XdsServingStatusListener() {
                    @Override
                    public void onServing() {
                        serving.countDown();
                    }

                    @Override
                    public void onNotServing(Throwable t) {
                        System.out.println("xDS server " + name + " not serving: " + t);
                    }
                })
                .addService(svc).build();
        backends.add(s);
        // start() waits for the first Listener; bounded, so a missing one fails the test instead of hanging it
        var started = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                s.start();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        started.get(30, TimeUnit.SECONDS);
        if (!serving.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the xDS server " + name + " did not start serving within 30 s");
        }
        return port;
    }

    /** A plain (not xDS) channel to a loopback port. */
    ManagedChannel plainChannel(int port) {
        ManagedChannel ch = Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
        channels.add(ch);
        return ch;
    }

    /** One unary call of {@code method} with a 5 s deadline. */
    static String call(ManagedChannel ch, MethodDescriptor<String, String> method) {
        return await(ClientCalls.futureUnaryCall(ch.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)), "hi"));
    }

    /** A Kubernetes-style service with one gRPC port. */
    void service(String host, String namespace, int port) {
        registry.replaceServices("k8s/test/service/" + host, List.of(new MeshService(host, namespace,
                List.of(new ServicePort("grpc", port, "GRPC")), "k8s/test")));
    }

    static MeshEndpoint endpoint(String host, int port, Map<String, String> labels, Locality locality, boolean healthy, int weight) {
        return new MeshEndpoint(host, "127.0.0.1", Map.of("grpc", port), labels, locality, "test", "", healthy, weight);
    }

    /** A real proxyless gRPC client: its own bootstrap (node id, namespace, locality) pointing at the xDS server. */
    ManagedChannel client(String target, String podNamespace, Locality locality) {
        return client(target, "sidecar~127.0.0.1~client-" + SCHEMES.get() + "." + podNamespace + "~" + podNamespace + ".svc.cluster.local",
                locality, xds.port());
    }

    /** A proxyless client whose bootstrap node metadata carries the pod's {@code LABELS}. */
    ManagedChannel client(String target, String podNamespace, Map<String, String> labels) {
        return client(target, "sidecar~127.0.0.1~client-" + SCHEMES.get() + "." + podNamespace + "~" + podNamespace + ".svc.cluster.local",
                null, xds.port(), Map.of("type", "insecure"), labels);
    }

    ManagedChannel client(String target, String nodeId, Locality locality, int xdsPort) {
        return client(target, nodeId, locality, xdsPort, Map.of("type", "insecure"));
    }

    /** As above, with the bootstrap's {@code channel_creds} entry given (e.g. gRFC A65's {@code tls} with files). */
    ManagedChannel client(String target, String nodeId, Locality locality, int xdsPort, Map<String, Object> channelCreds) {
        return client(target, nodeId, locality, xdsPort, channelCreds, Map.of());
    }

    private ManagedChannel client(String target, String nodeId, Locality locality, int xdsPort, Map<String, Object> channelCreds,
                                  Map<String, String> labels) {
        String scheme = "xdstest" + SCHEMES.incrementAndGet();
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("id", nodeId);
        node.put("metadata", labels.isEmpty() ? Map.of("GENERATOR", "grpc") : Map.of("GENERATOR", "grpc", "LABELS", labels));
        if (locality != null) {
            node.put("locality", Map.of("region", locality.region(), "zone", locality.zone(), "sub_zone", locality.subzone()));
        }
        Map<String, Object> bootstrap = Map.of(
                "xds_servers", List.of(Map.of("server_uri", "127.0.0.1:" + xdsPort,
                        "channel_creds", List.of(channelCreds), "server_features", List.of("xds_v3"))),
                "node", node);
        NameResolverRegistry.getDefaultRegistry().register(XdsNameResolverProvider.createForTest(scheme, bootstrap));
        ManagedChannel ch = Grpc.newChannelBuilder(scheme + ":///" + target, InsecureChannelCredentials.create()).build();
        channels.add(ch);
        return ch;
    }

    /**
     * One unary call with a 5 s deadline. It uses the future stub and a bounded wait rather than the
     * blocking stub: under heavy CPU contention we saw a grpc-java blocking call outlive its deadline during
     * a priority failover, and a test must never hang on that.
     */
    static String call(ManagedChannel ch, Map<String, String> headers) {
        Metadata md = new Metadata();
        headers.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
        var channel = ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(md));
        return await(ClientCalls.futureUnaryCall(channel.newCall(WHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)), "hi"));
    }

    /** A call's answer, waited for at most 7 s (2 s past its deadline); a late one is cancelled. */
    private static String await(com.google.common.util.concurrent.ListenableFuture<String> future) {
        try {
            return future.get(7, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            future.cancel(true);
            throw io.grpc.Status.DEADLINE_EXCEEDED.withDescription("the call outlived its deadline in the client").asRuntimeException();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw io.grpc.Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    /**
     * A call that gives up after {@code seconds} even if the blocking stub would not (seen rarely with
     * grpc-java's blocking stub while a priority failover swaps child policies): the future is cancelled.
     */
    static String callWithin(ManagedChannel ch, int seconds) throws Exception {
        var future = ClientCalls.futureUnaryCall(ch.newCall(WHO, CallOptions.DEFAULT.withDeadlineAfter(seconds, TimeUnit.SECONDS)), "hi");
        try {
            return future.get(seconds + 1L, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            future.cancel(true);
            throw e;
        }
    }

    static String call(ManagedChannel ch) {
        return call(ch, Map.of());
    }

    /** Counts answers over {@code n} calls. */
    static Map<String, Integer> spread(ManagedChannel ch, int n, Map<String, String> headers) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(call(ch, headers), 1, Integer::sum);
        }
        return counts;
    }

    /** Calls until {@code condition} holds for 20 answers in a row, or fails after {@code seconds}. */
    static void eventually(ManagedChannel ch, java.util.function.Predicate<String> condition, int seconds, String what) {
        eventually(ch, condition, seconds, what, 20);
    }

    /** Calls until {@code condition} holds for one answer, or fails after {@code seconds}. */
    static void eventuallySeen(ManagedChannel ch, java.util.function.Predicate<String> condition, int seconds, String what) {
        eventually(ch, condition, seconds, what, 1);
    }

    static void eventually(ManagedChannel ch, java.util.function.Predicate<String> condition, int seconds, String what, int needed) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String last = null;
        int inARow = 0;
        while (System.nanoTime() < deadline) {
            try {
                last = call(ch);
                if (condition.test(last)) {
                    if (++inARow >= needed) {
                        return;
                    }
                    continue;
                }
            } catch (RuntimeException e) {
                last = e.toString();
            }
            inARow = 0;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("not seen within " + seconds + " s: " + what + "; last answer " + last);
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        xds.close();
        backends.forEach(Server::shutdownNow);
        store.close();
        TempDirs.delete(dir);
    }

    static final class StringMarshaller implements MethodDescriptor.Marshaller<String> {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
