package io.meshlane.control.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A member cluster for the autoscaling engine: fabric8's Kubernetes mock server (no kube-apiserver runs
 * here) answering the scale subresource of some Deployments of one namespace. Each Deployment's replicas
 * are what the last PUT of its scale set; every PUT's replicas are recorded, in order, as the assertions.
 */
public final class MockMemberCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesMockServer server = new KubernetesMockServer(false);
    private final String namespace;
    private final Map<String, AtomicInteger> replicas = new ConcurrentHashMap<>();
    private final Map<String, List<Integer>> written = new ConcurrentHashMap<>();

    private MockMemberCluster(String namespace) {
        this.namespace = namespace;
    }

    /** A member whose Deployments {@code name}s in {@code namespace} start at {@code replicas} each. */
    public static MockMemberCluster start(String namespace, int replicas, String... names) {
        MockMemberCluster member = new MockMemberCluster(namespace);
        for (String name : names) {
            AtomicInteger current = new AtomicInteger(replicas);
            List<Integer> puts = new CopyOnWriteArrayList<>();
            member.replicas.put(name, current);
            member.written.put(name, puts);
            member.server.expect().get().withPath(member.scalePath(name)).andReply(200, r -> member.scale(name, current.get())).always();
            member.server.expect().put().withPath(member.scalePath(name)).andReply(200, r -> {
                try {
                    int n = JSON.readTree(r.getUtf8Body()).path("spec").path("replicas").asInt();
                    puts.add(n);
                    current.set(n);
                    return member.scale(name, n);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).always();
        }
        member.server.init();
        return member;
    }

    public String scalePath(String name) {
        return "/apis/apps/v1/namespaces/" + namespace + "/deployments/" + name + "/scale";
    }

    /** The Deployment's replicas as the member last answered them. */
    public int replicas(String name) {
        return replicas.get(name).get();
    }

    /** Every replica count the engine PUT on the Deployment's scale, in order. */
    public List<Integer> written(String name) {
        return List.copyOf(written.get(name));
    }

    /** A kubeconfig that reaches this member with bearer {@code token}, as a MemberClusterCredential holds it. */
    public String kubeconfig(String cluster, String token) {
        return """
                apiVersion: v1
                kind: Config
                clusters: [{name: %1$s, cluster: {server: "%2$s"}}]
                users: [{name: engine, user: {token: %3$s}}]
                contexts: [{name: %1$s, context: {cluster: %1$s, user: engine}}]
                current-context: %1$s
                """.formatted(cluster, server.url("/").replaceAll("/$", ""), token);
    }

    /** The mock server itself, for the requests it recorded. */
    public KubernetesMockServer server() {
        return server;
    }

    private Object scale(String name, int n) {
        return Map.of("apiVersion", "autoscaling/v1", "kind", "Scale",
                "metadata", Map.of("name", name, "namespace", namespace, "resourceVersion", String.valueOf(100 + n)),
                "spec", Map.of("replicas", n), "status", Map.of("replicas", n, "selector", "app=" + name));
    }

    /** Stops answering: the member is unreachable from now on. */
    @Override
    public void close() {
        server.destroy();
    }
}
