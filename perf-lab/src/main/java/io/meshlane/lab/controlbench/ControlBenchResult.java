package io.meshlane.lab.controlbench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one run measured. Rates are per second of wall time; latencies in milliseconds; {@code errors} counts
 * non-2xx answers and transport failures (a run with errors is not a valid measurement).
 */
public record ControlBenchResult(String store, String httpVersion, int objects, double createsPerS, double createP99Ms,
                                 double getsPerS, double getP99Ms, double listsPerS, double listP99Ms, int watchers,
                                 long delivered, long expected, double fanoutP50Ms, double fanoutP99Ms, long errors,
                                 double[] loadAverage) {

    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", store);
        m.put("http_version", httpVersion);
        m.put("objects", objects);
        m.put("creates_per_s", round(createsPerS));
        m.put("create_p99_ms", round(createP99Ms));
        m.put("gets_per_s", round(getsPerS));
        m.put("get_p99_ms", round(getP99Ms));
        m.put("lists_per_s", round(listsPerS));
        m.put("list_p99_ms", round(listP99Ms));
        m.put("watchers", watchers);
        m.put("watch_events_delivered", delivered);
        m.put("watch_events_expected", expected);
        m.put("watch_fanout_p50_ms", round(fanoutP50Ms));
        m.put("watch_fanout_p99_ms", round(fanoutP99Ms));
        m.put("errors", errors);
        m.put("load_average", loadAverage);
        return m;
    }

    public String summary() {
        return String.format("%s store over %s: creates %,.0f/s (p99 %.1f ms), gets %,.0f/s (p99 %.1f ms), lists of %,d %,.1f/s"
                        + " (p99 %.0f ms), fan-out to %,d watchers p50 %.1f ms p99 %.1f ms (%,d of %,d events), errors %d,"
                        + " load average %.2f %.2f %.2f",
                store, httpVersion, createsPerS, createP99Ms, getsPerS, getP99Ms, objects, listsPerS, listP99Ms, watchers, fanoutP50Ms,
                fanoutP99Ms, delivered, expected, errors, loadAverage[0], loadAverage[1], loadAverage[2]);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
