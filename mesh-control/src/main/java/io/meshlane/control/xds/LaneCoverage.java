package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Tells, for each TestLane, the services it covers whenever that set differs from what the lane's stored status
 * says, so {@code kubectl get testlanes} shows where a lane's builds receive coloured requests. Comparing with
 * the stored status (not with what was last told) keeps a status write from echoing and repairs a status that a
 * client replaced. Runs on the translation thread.
 */
final class LaneCoverage {

    /** The services a lane covers now, sorted. */
    record Covered(String namespace, String name, List<String> services) {
    }

    private final Map<String, List<String>> stored = new HashMap<>();
    private final List<Consumer<Covered>> listeners = new CopyOnWriteArrayList<>();

    void onChange(Consumer<Covered> listener) {
        listeners.add(listener);
    }

    /** What a lane's stored object says it covers ({@code status.services}), as the store delivered it. */
    void observed(MeshObject lane) {
        List<String> services = new ArrayList<>();
        JsonNode status = lane.object().path("status").path("services");
        status.forEach(s -> services.add(s.asText()));
        stored.put(lane.namespace() + "/" + lane.name(), status.isArray() ? services : null);
    }

    void forget(String namespace, String name) {
        stored.remove(namespace + "/" + name);
    }

    /** Tells every lane whose covered services differ from its stored status. */
    void check(Lanes lanes) {
        Set<String> live = new HashSet<>();
        for (Lanes.Lane lane : lanes.all()) {
            live.add(lane.key());
            List<String> services = List.copyOf(lanes.covered(lane));
            if (!services.equals(stored.get(lane.key()))) {
                stored.put(lane.key(), services);
                Covered c = new Covered(lane.namespace(), lane.name(), services);
                listeners.forEach(l -> l.accept(c));
            }
        }
        stored.keySet().retainAll(live);
    }
}
