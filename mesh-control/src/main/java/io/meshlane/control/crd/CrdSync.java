package io.meshlane.control.crd;

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
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the {@link KindRegistry} equal to the stored CRDs: loads them at start, then follows
 * the store's watch, so a CRD applied through another replica becomes servable here too.
 */
public final class CrdSync implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CrdSync.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ResourceStore store;
    private final KindRegistry registry;
    private final String prefix;
    private volatile WatchHandle watch;
    private volatile boolean closed;

    public CrdSync(ResourceStore store, KindRegistry registry) {
        this.store = store;
        this.registry = registry;
        this.prefix = BuiltinKinds.customResourceDefinitions().keyPrefix();
    }

    public void start() {
        Page page = store.list(prefix, null, 0);
        for (StoredObject o : page.items()) {
            registry.applyCrd(read(o.value()));
        }
        follow(page.revision());
    }

    private void follow(long from) {
        watch = store.watch(prefix, from, new StoreWatcher() {
            private long last = from;

            @Override
            public void onEvent(StoreEvent event) {
                last = event.revision();
                JsonNode crd = read(event.value());
                if (event.type() == StoreEvent.Type.DELETED) {
                    registry.removeCrd(crd.path("metadata").path("name").asText());
                } else {
                    registry.applyCrd(crd);
                }
            }

            @Override
            public void onClosed(StoreException reason) {
                if (!closed) {
                    LOG.log(Level.WARNING, "CRD watch ended ({0}); reloading CRDs", reason.getMessage());
                    Thread.ofVirtual().start(() -> {
                        try {
                            Thread.sleep(500);
                            start();
                        } catch (RuntimeException | InterruptedException e) {
                            LOG.log(Level.SEVERE, "reloading CRDs failed: " + e.getMessage(), e);
                        }
                    });
                }
            }
        });
    }

    private static JsonNode read(byte[] value) {
        try {
            return MAPPER.readTree(value);
        } catch (IOException e) {
            throw new IllegalStateException("a stored CRD is not JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        WatchHandle w = watch;
        if (w != null) {
            w.close();
        }
    }
}
