package io.meshlane.control.telemetry.istio;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which metric names are which Istio family: a batch repeats one name per point, and
 * normalising the spelling each time showed up in the ingest profile. Bounded: unknown names from a
 * misbehaving emitter stop being cached, they are then resolved each time.
 */
final class FamilyNames {
    private static final int MAX = 4096;
    private final Map<String, Optional<IstioFamily>> cache = new ConcurrentHashMap<>();

    IstioFamily of(String name) {
        Optional<IstioFamily> f = cache.get(name);
        if (f == null) {
            f = Optional.ofNullable(IstioFamily.of(name));
            if (cache.size() < MAX) {
                cache.put(name, f);
            }
        }
        return f.orElse(null);
    }
}
