package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.store.Page;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreEvent;
import io.meshlane.control.store.StoreException;
import io.meshlane.control.store.StoreWatcher;
import io.meshlane.control.store.StoredObject;
import io.meshlane.control.store.WatchHandle;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads Istio's networking kinds and namespaces from the control plane's {@link ResourceStore} with the
 * API's key layout ({@code /registry/<group>/<plural>/<namespace>/<name>}): a full listing, then a watch
 * from the listing's revision. Events are handed to one thread, so the listener sees them in order and the
 * store's watcher never blocks. A watch that ends (e.g. compaction) is restarted from a fresh listing.
 */
public final class StoreConfigSource implements ConfigSource {
    private static final Logger LOG = Logger.getLogger(StoreConfigSource.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Store key prefix → kind. */
    public static final Map<String, String> PREFIXES = Map.of(
            "/registry/networking.istio.io/virtualservices/", MeshObject.VIRTUAL_SERVICE,
            "/registry/networking.istio.io/destinationrules/", MeshObject.DESTINATION_RULE,
            "/registry/networking.istio.io/serviceentries/", MeshObject.SERVICE_ENTRY,
            "/registry/networking.istio.io/workloadentries/", MeshObject.WORKLOAD_ENTRY,
            "/registry/core/namespaces/", MeshObject.NAMESPACE);

    private final ResourceStore store;
    private final ExecutorService events = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("xds-config-events").unstarted(r));
    private final List<WatchHandle> watches = new ArrayList<>();
    private volatile boolean closed;

    public StoreConfigSource(ResourceStore store) {
        this.store = store;
    }

    /** The store key of an object, in the API's layout. */
    public static String key(String kind, String namespace, String name) {
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
            long revision = listAll(e.getKey(), e.getValue(), listener);
            watch(e.getKey(), e.getValue(), revision, listener);
        }
        events.execute(listener::synced);
    }

    private long listAll(String prefix, String kind, ConfigListener listener) {
        String after = null;
        long revision;
        while (true) {
            Page page = store.list(prefix, after, 500);
            revision = page.revision();
            for (StoredObject o : page.items()) {
                MeshObject m = decode(kind, prefix, o.key(), o.value(), o.modRevision());
                if (m != null) {
                    events.execute(() -> listener.upsert(m));
                }
                after = o.key();
            }
            if (!page.more()) {
                return revision;
            }
        }
    }

    private void watch(String prefix, String kind, long revision, ConfigListener listener) {
        WatchHandle handle = store.watch(prefix, revision, new StoreWatcher() {
            @Override
            public void onEvent(StoreEvent event) {
                events.execute(() -> {
                    if (event.type() == StoreEvent.Type.DELETED) {
                        String[] nsName = nsName(kind, prefix, event.key());
                        listener.delete(kind, nsName[0], nsName[1], event.revision());
                    } else {
                        MeshObject m = decode(kind, prefix, event.key(), event.value(), event.revision());
                        if (m != null) {
                            listener.upsert(m);
                        }
                    }
                });
            }

            @Override
            public void onClosed(StoreException reason) {
                if (closed) {
                    return;
                }
                LOG.log(Level.WARNING, "the store watch on " + prefix + " ended (" + reason
                        + "); listing again and resuming", reason);
                events.execute(() -> {
                    if (!closed) {
                        long rev = listAll(prefix, kind, listener);
                        watch(prefix, kind, rev, listener);
                    }
                });
            }
        });
        synchronized (watches) {
            watches.add(handle);
        }
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
        closed = true;
        synchronized (watches) {
            watches.forEach(WatchHandle::close);
        }
        events.shutdown();
        try {
            events.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
