package io.meshlane.control.mesh;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Istio's rule for a route's weighted destinations, shared by the API's admission check and the xDS
 * translator: two or more destinations whose weights (absent is 0) sum to zero or less send traffic nowhere.
 */
public final class DestinationWeights {
    /** What to do about it, for either side's message. */
    public static final String FIX = "give at least one destination a positive weight";

    private DestinationWeights() {
    }

    public static boolean routeNowhere(JsonNode destinations) {
        if (!destinations.isArray() || destinations.size() < 2) {
            return false;
        }
        long total = 0;
        for (JsonNode d : destinations) {
            total += d.path("weight").asLong(0);
        }
        return total <= 0;
    }
}
