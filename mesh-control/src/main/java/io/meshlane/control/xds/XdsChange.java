package io.meshlane.control.xds;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a recomputation changed: resource names per type, or a whole type (wildcard subscribers and
 * name-aliased listeners are re-checked against their last sent versions, so only real differences go out).
 */
final class XdsChange {
    final Map<String, Set<String>> names = new HashMap<>();
    final Set<String> wholeTypes = new HashSet<>();

    void name(String type, String name) {
        names.computeIfAbsent(type, t -> new HashSet<>()).add(name);
    }

    void whole(String type) {
        wholeTypes.add(type);
    }

    boolean isEmpty() {
        return names.isEmpty() && wholeTypes.isEmpty();
    }

    /** Whether a subscription of {@code type} to {@code subscribed} (empty with wildcard) may be affected. */
    boolean affects(String type, Set<String> subscribed, boolean wildcard) {
        if (wholeTypes.contains(type)) {
            return true;
        }
        Set<String> changed = names.get(type);
        if (changed == null) {
            return false;
        }
        if (wildcard) {
            return true;
        }
        for (String n : subscribed) {
            if (changed.contains(n)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "changed " + names + " whole " + wholeTypes;
    }
}
