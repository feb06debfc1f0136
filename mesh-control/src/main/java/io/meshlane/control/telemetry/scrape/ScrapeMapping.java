package io.meshlane.control.telemetry.scrape;

import io.meshlane.control.telemetry.istio.MetricPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Samples of one scrape to {@link MetricPoint}s: counters (declared, or untyped and named "_total") are
 * cumulative counters; a histogram's "_bucket" samples (cumulative per "le") become one histogram point
 * per label set with per-bucket counts; its "_sum" and "_count" add nothing; the rest is "other". Pure.
 */
final class ScrapeMapping {
    private static final String[] SUFFIXES = {"_bucket", "_sum", "_count", "_total", "_created"};

    private ScrapeMapping() {
    }

    static List<MetricPoint> points(String scope, Exposition e, long scrapeMillis) {
        List<MetricPoint> out = new ArrayList<>();
        Map<String, List<Exposition.Sample>> histogramBuckets = new LinkedHashMap<>();
        for (Exposition.Sample s : e.samples()) {
            String[] family = family(s.name(), e.types());
            String type = family[1];
            long t = s.timestampMillis() != 0 ? s.timestampMillis() : scrapeMillis;
            if (type.equals("histogram")) {
                if (s.name().endsWith("_bucket")) {
                    Map<String, String> key = new TreeMap<>(s.labels());
                    key.remove("le");
                    histogramBuckets.computeIfAbsent(family[0] + "\u0001" + key, k -> new ArrayList<>()).add(s);
                }
            } else if (type.equals("counter") || (type.equals("untyped") && s.name().endsWith("_total"))) {
                out.add(MetricPoint.counter(scope, s.name(), s.labels(), true, 0, t, s.value()));
            } else {
                out.add(MetricPoint.other(scope, s.name(), Map.of(), t));
            }
        }
        for (Map.Entry<String, List<Exposition.Sample>> h : histogramBuckets.entrySet()) {
            out.add(histogram(scope, h.getKey().substring(0, h.getKey().indexOf('\u0001')), h.getValue(), scrapeMillis));
        }
        return out;
    }

    /** [family name, type]; the type is "untyped" when no TYPE line covers the name. */
    private static String[] family(String name, Map<String, String> types) {
        String t = types.get(name);
        if (t != null) {
            return new String[] {name, t};
        }
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                String bt = types.get(base);
                if (bt != null) {
                    return new String[] {base, bt};
                }
            }
        }
        return new String[] {name, "untyped"};
    }

    private static MetricPoint histogram(String scope, String family, List<Exposition.Sample> buckets, long scrapeMillis) {
        List<Exposition.Sample> sorted = new ArrayList<>(buckets);
        sorted.sort((a, b) -> Double.compare(le(a), le(b)));
        boolean hasInf = Double.isInfinite(le(sorted.getLast()));
        int finite = hasInf ? sorted.size() - 1 : sorted.size();
        double[] bounds = new double[finite];
        // without a +Inf bucket the counts are one short, which the Istio mapping refuses with a reason
        long[] counts = new long[hasInf ? finite + 1 : finite];
        long previous = 0;
        for (int i = 0; i < sorted.size(); i++) {
            if (i < finite) {
                bounds[i] = le(sorted.get(i));
            }
            long cumulative = Math.round(sorted.get(i).value());
            counts[i] = cumulative - previous;
            previous = cumulative;
        }
        Map<String, String> labels = new TreeMap<>(sorted.getFirst().labels());
        labels.remove("le");
        long t = sorted.getFirst().timestampMillis() != 0 ? sorted.getFirst().timestampMillis() : scrapeMillis;
        return MetricPoint.histogram(scope, family, labels, true, 0, t, bounds, counts);
    }

    private static double le(Exposition.Sample s) {
        String le = s.labels().getOrDefault("le", "NaN");
        return switch (le) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            default -> {
                try {
                    yield Double.parseDouble(le);
                } catch (NumberFormatException e) {
                    yield Double.NaN;
                }
            }
        };
    }
}
