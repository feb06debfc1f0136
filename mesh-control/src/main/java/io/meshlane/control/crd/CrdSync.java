package io.meshlane.control.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreException;
import io.meshlane.control.store.StoreInformer;
import io.meshlane.control.store.StoredObject;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Keeps the {@link KindRegistry} equal to the stored CRDs: loads them at start, then follows
 * the store through a {@link StoreInformer}, so a CRD applied through another replica becomes servable here too.
 */
public final class CrdSync implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ResourceStore store;
    private final KindRegistry registry;
    private final String prefix;
    private final ExecutorService events = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("crd-sync").unstarted(r));
    private volatile StoreInformer informer;

    public CrdSync(ResourceStore store, KindRegistry registry) {
        this.store = store;
        this.registry = registry;
        this.prefix = BuiltinKinds.customResourceDefinitions().keyPrefix();
    }

    /** Returns once the stored CRDs are in the registry. */
    public void start() {
        informer = StoreInformer.start(store, prefix, events, new StoreInformer.Handler() {
            @Override
            public void upsert(StoredObject object) {
                registry.applyCrd(read(object.value()));
            }

            @Override
            public void delete(String key, byte[] lastValue, long revision) {
                registry.removeCrd(read(lastValue).path("metadata").path("name").asText());
            }
        });
        if (!informer.awaitFirstSync(Duration.ofSeconds(30))) {
            close();
            throw new StoreException("the stored CRDs did not load within 30 s");
        }
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
        StoreInformer i = informer;
        if (i != null) {
            i.close();
        }
        events.shutdown();
    }
}
