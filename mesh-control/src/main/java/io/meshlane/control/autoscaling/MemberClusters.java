package io.meshlane.control.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.meshlane.control.http.Json;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoredObject;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Clients of the member clusters' API servers, from their MemberClusterCredential objects. The engine
 * reads those from the store directly: the Kubernetes API refuses every read of them.
 */
final class MemberClusters implements AutoCloseable {

    static final String PREFIX = "/registry/meshlane.io/memberclustercredentials/";
    /** A member that does not answer within this is unreachable for this evaluation; the next one tries again. */
    private static final int TIMEOUT_MILLIS = 5_000;

    private record Cached(long revision, KubernetesClient client) {
    }

    private final ResourceStore store;
    private final Map<String, Cached> clients = new ConcurrentHashMap<>();

    MemberClusters(ResourceStore store) {
        this.store = store;
    }

    /** The client of member {@code cluster}; IllegalStateException saying what to do when it has no usable credential. */
    KubernetesClient client(String cluster) {
        Optional<StoredObject> stored = store.get(PREFIX + cluster);
        if (stored.isEmpty()) {
            Cached gone = clients.remove(cluster);
            if (gone != null) {
                gone.client().close();
            }
            throw new IllegalStateException("no MemberClusterCredential \"" + cluster + "\": create one holding a kubeconfig of"
                    + " the member cluster (kubectl create -f memberclustercredential.yaml)");
        }
        Cached cached = clients.get(cluster);
        if (cached != null && cached.revision() == stored.get().modRevision()) {
            return cached.client();
        }
        JsonNode object = Json.stored(stored.get().value());
        Config config;
        try {
            config = Config.fromKubeconfig(object.path("spec").path("kubeconfig").asText());
        } catch (RuntimeException e) {
            throw new IllegalStateException("MemberClusterCredential \"" + cluster + "\" holds no usable kubeconfig ("
                    + e.getMessage() + "); replace it with kubectl replace -f");
        }
        config.setRequestTimeout(TIMEOUT_MILLIS);
        config.setConnectionTimeout(TIMEOUT_MILLIS);
        config.setRequestRetryBackoffLimit(0);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        Cached previous = clients.put(cluster, new Cached(stored.get().modRevision(), client));
        if (previous != null) {
            previous.client().close();
        }
        return client;
    }

    @Override
    public void close() {
        clients.values().forEach(c -> c.client().close());
        clients.clear();
    }
}
