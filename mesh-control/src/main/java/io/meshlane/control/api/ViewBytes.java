package io.meshlane.control.api;

import io.meshlane.control.crd.KindRegistry.Served;
import io.meshlane.control.http.Json;
import io.meshlane.control.store.StoredObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON a client receives for one stored revision in one served version, kept so that
 * repeated reads of an unchanged object write the same bytes instead of parsing and
 * re-serialising it each time. A revision never changes, so entries never go stale; the
 * oldest are dropped when the cache is full.
 */
final class ViewBytes {

    private record Key(String key, long revision, String version) {
    }

    private final Map<Key, byte[]> cache;

    ViewBytes(int capacity) {
        this.cache = new LinkedHashMap<>(capacity, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, byte[]> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The object's bytes as {@link ResourceService#view} renders it; callers must not modify the array. */
    byte[] bytes(Served s, StoredObject stored) {
        Key k = new Key(stored.key(), stored.modRevision(), s.version().name());
        synchronized (cache) {
            byte[] hit = cache.get(k);
            if (hit != null) {
                return hit;
            }
        }
        byte[] rendered = Json.bytes(ResourceService.view(s, stored));
        synchronized (cache) {
            cache.put(k, rendered);
        }
        return rendered;
    }
}
