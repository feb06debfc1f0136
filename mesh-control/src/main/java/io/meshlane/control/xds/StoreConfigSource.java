package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreInformer;
import io.meshlane.control.store.StoredObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Reads Istio's networking kinds, namespaces and meshlane's TestLanes from the control plane's {@link ResourceStore} with the
 * API's key layout ({@code /registry/<group>/<plural>/<namespace>/<name>}), one {@link StoreInformer} a kind.
 * All of them deliver on one thread, so the listener sees every change in order.
 */
final class StoreConfigSource implements ConfigSource {
    private static final Logger LOG = Logger.getLogger(StoreConfigSource.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Store key prefix → kind. */
    static final Map<String, String> PREFIXES = Map.of(
            "/registry/networking.istio.io/virtualservices/", MeshObject.VIRTUAL_SERVICE,
            "/registry/networking.istio.io/destinationrules/", MeshObject.DESTINATION_RULE,
            "/registry/networking.istio.io/serviceentries/", MeshObject.SERVICE_ENTRY,
            "/registry/networking.istio.io/workloadentries/", MeshObject.WORKLOAD_ENTRY,
            "/registry/networking.istio.io/sidecars/", MeshObject.SIDECAR,
            "/registry/networking.istio.io/gateways/", WorkloadPolicies.GATEWAY,
            "/registry/security.istio.io/authorizationpolicies/", WorkloadPolicies.AUTHORIZATION_POLICY,
            "/registry/security.istio.io/peerauthentications/", WorkloadPolicies.PEER_AUTHENTICATION,
            "/registry/core/namespaces/", MeshObject.NAMESPACE,
            "/registry/meshlane.io/testlanes/", MeshObject.TEST_LANE);

    private final ResourceStore store;
    private final ExecutorService events = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("xds-config-events").unstarted(r));
    private final List<StoreInformer> informers = new ArrayList<>();

    StoreConfigSource(ResourceStore store) {
        this.store = store;
    }

    /** The store key of an object, in the API's layout. */
    static String key(String kind, String namespace, String name) {
        for (var e : PREFIXES.entrySet()) {
            if (e.getValue().equals(kind)) {
                return e.getKey() + (MeshObject.NAMESPACE.equals(kind) ? name : namespace + "/" + name);
            }
        }
        throw new IllegalArgumentException("xDS does not read kind " + kind);
    }

    @Override
    public void start(ConfigListener listener) {
        for (var e : PREFIXES.entrySet()) {
            String prefix = e.getKey();
            String kind = e.getValue();
            StoreInformer informer = StoreInformer.start(store, prefix, events, new StoreInformer.Handler() {
                @Override
                public void upsert(StoredObject object) {
                    MeshObject m = decode(kind, prefix, object.key(), object.value(), object.modRevision());
                    if (m != null) {
                        listener.upsert(m);
                    }
                }

                @Override
                public void delete(String key, byte[] lastValue, long revision) {
                    String[] nsName = nsName(kind, prefix, key);
                    listener.delete(kind, nsName[0], nsName[1], revision);
                }
            });
            synchronized (informers) {
                informers.add(informer);
            }
        }
        events.execute(listener::synced);
    }

    private static String[] nsName(String kind, String prefix, String key) {
        String rest = key.substring(prefix.length());
        if (MeshObject.NAMESPACE.equals(kind)) {
            return new String[] {"", rest};
        }
        int slash = rest.indexOf('/');
        return slash < 0 ? new String[] {"", rest} : new String[] {rest.substring(0, slash), rest.substring(slash + 1)};
    }

    private static MeshObject decode(String kind, String prefix, String key, byte[] value, long revision) {
        String[] nsName = nsName(kind, prefix, key);
        try {
            JsonNode node = JSON.readTree(value);
            return new MeshObject(kind, nsName[0], nsName[1], node, revision);
        } catch (IOException e) {
            LOG.warning("skipping " + key + ": the stored value is not JSON (" + e.getMessage() + ")");
            return null;
        }
    }

    @Override
    public void close() {
        synchronized (informers) {
            informers.forEach(StoreInformer::close);
        }
        events.shutdown();
        try {
            events.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
