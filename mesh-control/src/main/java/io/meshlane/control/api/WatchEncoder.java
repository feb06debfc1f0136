package io.meshlane.control.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.crd.KindRegistry.Served;
import io.meshlane.control.http.Json;
import io.meshlane.control.store.StoreEvent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes store events as watch lines ({@code {"type":..,"object":..}\n}). One change fans out
 * to many watchers, so decoded objects and encoded lines are cached by revision and served version
 * (one kind is watched in several versions at once, each naming its own apiVersion).
 */
public final class WatchEncoder {

    private record Decoded(long revision, String version) {
    }

    private static final int CACHE = 2048;

    private final Map<Decoded, ObjectNode> decoded = lru();
    private final Map<String, byte[]> lines = lru();
    private final Map<Decoded, ObjectNode> previous = lru();

    private static <K, V> Map<K, V> lru() {
        return new LinkedHashMap<>(CACHE, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > CACHE;
            }
        };
    }

    /** The event's object as clients see it; shared between watchers, so callers must not modify it. */
    public synchronized ObjectNode object(Served s, StoreEvent event) {
        return decoded.computeIfAbsent(new Decoded(event.revision(), s.version().name()), k -> decode(s, event.value(), k.revision()));
    }

    /**
     * The event's value before the change, at the change's resourceVersion; shared like {@link #object}, so that
     * a thousand selector watches of one object parse it once, not once each.
     */
    public synchronized ObjectNode previous(Served s, StoreEvent event) {
        return previous.computeIfAbsent(new Decoded(event.revision(), s.version().name()), k -> decode(s, event.prevValue(), k.revision()));
    }

    private static ObjectNode decode(Served s, byte[] value, long revision) {
        ObjectNode o = Json.stored(value);
        o.put("apiVersion", s.kind().apiVersion(s.version().name()));
        ResourceService.metadata(o).put("resourceVersion", Long.toString(revision));
        return o;
    }

    public byte[] line(Served s, StoreEvent event, boolean table) {
        String type = switch (event.type()) {
            case CREATED -> "ADDED";
            case UPDATED -> "MODIFIED";
            case DELETED -> "DELETED";
        };
        String cacheKey = event.revision() + "|" + s.version().name() + "|" + table;
        synchronized (this) {
            byte[] cached = lines.get(cacheKey);
            if (cached != null) {
                return cached;
            }
        }
        ObjectNode object = object(s, event);
        byte[] line = line(type, table ? TableView.table(s, List.of(object), null, null, true) : object);
        synchronized (this) {
            lines.put(cacheKey, line);
        }
        return line;
    }

    public static byte[] line(String type, ObjectNode object) {
        ObjectNode event = Json.object();
        event.put("type", type);
        event.set("object", object);
        return (Json.string(event) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
