package io.meshlane.control.telemetry.scrape;

import java.util.List;
import java.util.Map;

/** A parsed Prometheus text exposition: its samples, the declared family types, and lines that could not be read. */
record Exposition(List<Sample> samples, Map<String, String> types, int badLines, String firstError) {

    /** One sample line; {@code timestampMillis} is 0 when the line has none. */
    record Sample(String name, Map<String, String> labels, double value, long timestampMillis) {
    }
}
