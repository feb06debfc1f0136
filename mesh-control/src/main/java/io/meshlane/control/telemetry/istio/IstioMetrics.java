package io.meshlane.control.telemetry.istio;

import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.TcpSample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps Istio's standard metrics to request and TCP signals, as deltas. Thread-safe; one instance per
 * ingest path (it remembers the previous value of each cumulative series).
 *
 * <p>Counting rules, so that no request is counted twice:
 * <ul>
 * <li>Requests and errors come from istio_request_duration_milliseconds when a series has it (the
 * histogram's count is the request count). istio_requests_total is used only for a label set that has
 * no duration histogram in the same export, and then yields a {@link RequestBuckets} with no bounds and
 * a single count (requests whose latency is unknown).</li>
 * <li>When both proxies report a call (label reporter = source and = destination), the destination's
 * report wins: a source report is skipped once a destination report has been seen for the same
 * source → destination pair. Calls leaving the mesh, which only the source reports, stay counted.</li>
 * <li>Cumulative series become deltas per emitter and label set ({@link CumulativeDeltas}); delta
 * temporality is used as is.</li>
 * </ul>
 * Any other metric is "not understood": counted, not turned into signals (the exporters forward it).
 */
public final class IstioMetrics {
    private final CumulativeDeltas deltas;
    private final FamilyNames families = new FamilyNames();
    private final int maxPairs;
    private final Set<Pair> destinationReported = ConcurrentHashMap.newKeySet();

    public IstioMetrics(int maxSeries) {
        this(maxSeries, System.currentTimeMillis());
    }

    IstioMetrics(int maxSeries, long createdMillis) {
        this.deltas = new CumulativeDeltas(maxSeries, createdMillis);
        this.maxPairs = maxSeries;
    }

    /** Whether {@code name} is one of Istio's standard metrics (they become request and TCP signals, not application counters). */
    public static boolean isIstio(String name) {
        return IstioFamily.of(name) != null;
    }

    /** Series forgotten because the delta memory was full (each restarts from a baseline). */
    public long seriesEvicted() {
        return deltas.evicted();
    }

    /** Series whose previous value is remembered. */
    public int seriesTracked() {
        return deltas.size();
    }

    public IstioMetricsResult map(List<MetricPoint> points) {
        List<Classified> istio = new ArrayList<>(points.size());
        // one export repeats each label set once per metric: derive peers and codes once per label set
        Map<String, Derived> derived = new HashMap<>();
        int notUnderstood = 0;
        int rejected = 0;
        String firstRejection = "";
        for (MetricPoint p : points) {
            IstioFamily family = p.kind() == MetricPoint.Kind.OTHER ? null : families.of(p.name());
            if (family == null) {
                notUnderstood++;
                continue;
            }
            String problem = problem(family, p);
            if (problem != null) {
                if (rejected++ == 0) {
                    firstRejection = problem;
                }
                continue;
            }
            String key = labelKey(p);
            Derived d = derived.get(key);
            if (d == null) {
                d = Derived.of(p.labels());
                derived.put(key, d);
            }
            istio.add(new Classified(family, p, d, key));
        }
        Set<String> withDuration = new HashSet<>();
        for (Classified c : istio) {
            if (c.family == IstioFamily.REQUEST_DURATION) {
                withDuration.add(c.labelKey);
            }
        }
        for (Derived d : derived.values()) {
            if (d.reporter.equals("destination")) {
                rememberDestinationReport(d.pair);
            }
        }
        List<RequestBuckets> requests = new ArrayList<>();
        Map<Pair, TcpSample> tcp = new LinkedHashMap<>();
        for (Classified c : istio) {
            MetricPoint p = c.point;
            Derived d = c.derived;
            if (d.reporter.equals("source") && destinationReported.contains(d.pair)) {
                continue;
            }
            switch (c.family) {
                case REQUEST_DURATION -> {
                    long[] counts = p.cumulative() ? deltas.histogram(seriesKey(c), p.startMillis(), p.bounds(), p.bucketCounts())
                            : p.bucketCounts();
                    if (counts != null && total(counts) > 0) {
                        requests.add(new RequestBuckets(d.pair.source, d.pair.destination, d.code, d.error, p.bounds(), counts,
                                p.timeMillis()));
                    }
                }
                case REQUESTS -> {
                    if (withDuration.contains(c.labelKey)) {
                        continue;
                    }
                    long n = counterDelta(c);
                    if (n > 0) {
                        requests.add(new RequestBuckets(d.pair.source, d.pair.destination, d.code, d.error, new double[0],
                                new long[] {n}, p.timeMillis()));
                    }
                }
                default -> {
                    long n = counterDelta(c);
                    if (n > 0) {
                        tcp.merge(d.pair, tcpSample(c, n), IstioMetrics::add);
                    }
                }
            }
        }
        return new IstioMetricsResult(requests, List.copyOf(tcp.values()), istio.size(), notUnderstood, rejected, firstRejection);
    }

    private long counterDelta(Classified c) {
        MetricPoint p = c.point;
        double d = p.cumulative() ? deltas.counter(seriesKey(c), p.startMillis(), p.value()) : p.value();
        return Double.isNaN(d) ? 0 : Math.round(d);
    }

    private void rememberDestinationReport(Pair pair) {
        // bounded: when a cardinality explosion fills the set it starts over (a few duplicates at worst)
        if (destinationReported.size() >= maxPairs) {
            destinationReported.clear();
        }
        destinationReported.add(pair);
    }

    private static TcpSample tcpSample(Classified c, long n) {
        long t = c.point.timeMillis();
        Peer src = c.derived.pair.source;
        Peer dst = c.derived.pair.destination;
        return switch (c.family) {
            case TCP_OPENED -> new TcpSample(src, dst, n, 0, 0, 0, t);
            case TCP_CLOSED -> new TcpSample(src, dst, 0, n, 0, 0, t);
            case TCP_SENT -> new TcpSample(src, dst, 0, 0, n, 0, t);
            default -> new TcpSample(src, dst, 0, 0, 0, n, t);
        };
    }

    private static TcpSample add(TcpSample a, TcpSample b) {
        return new TcpSample(a.source(), a.destination(), a.connectionsOpened() + b.connectionsOpened(),
                a.connectionsClosed() + b.connectionsClosed(), a.sentBytes() + b.sentBytes(),
                a.receivedBytes() + b.receivedBytes(), Math.max(a.epochMillis(), b.epochMillis()));
    }

    private static String problem(IstioFamily family, MetricPoint p) {
        if (family == IstioFamily.REQUEST_DURATION) {
            if (p.kind() != MetricPoint.Kind.HISTOGRAM) {
                return p.name() + " " + p.labels() + " is not a histogram; Istio exports it as one";
            }
            double[] b = p.bounds();
            long[] c = p.bucketCounts();
            if (b == null || c == null || c.length != b.length + 1) {
                return p.name() + " " + p.labels() + " has " + (c == null ? 0 : c.length) + " bucket counts for "
                        + (b == null ? 0 : b.length) + " bounds; expected one more count than bounds";
            }
            for (int i = 0; i < b.length; i++) {
                if (Double.isNaN(b[i]) || (i > 0 && b[i] <= b[i - 1])) {
                    return p.name() + " " + p.labels() + " has bucket bounds that do not increase at index " + i;
                }
            }
            for (long n : c) {
                if (n < 0) {
                    return p.name() + " " + p.labels() + " has a negative bucket count";
                }
            }
            return null;
        }
        if (p.kind() != MetricPoint.Kind.COUNTER) {
            return p.name() + " " + p.labels() + " is not a counter; Istio exports it as one";
        }
        if (!Double.isFinite(p.value()) || p.value() < 0) {
            return p.name() + " " + p.labels() + " has value " + p.value() + "; a counter is finite and not negative";
        }
        return null;
    }

    private static long total(long[] counts) {
        long t = 0;
        for (long n : counts) {
            t += n;
        }
        return t;
    }

    /** The delta memory's key; reuses the label key's cached hash. */
    private static SeriesKey seriesKey(Classified c) {
        return new SeriesKey(c.family, c.labelKey);
    }

    /** The emitter and label set (without "le"), in a stable order. */
    private static String labelKey(MetricPoint p) {
        StringBuilder sb = new StringBuilder(p.scope().length() + 40 * p.labels().size()).append(p.scope()).append('\u0002');
        if (p.labels() instanceof SortedLabels sorted) {
            sorted.appendKey(sb);
            return sb.toString();
        }
        Map<String, String> sorted = p.labels() instanceof TreeMap<String, String> t ? t : new TreeMap<>(p.labels());
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            if (!e.getKey().equals("le")) {
                sb.append(e.getKey()).append('=').append(e.getValue()).append('\u0003');
            }
        }
        return sb.toString();
    }

    private record Classified(IstioFamily family, MetricPoint point, Derived derived, String labelKey) {
    }

    /** What a label set says about the call: who called whom, the response code, the error flag, the reporter. */
    private record Derived(Pair pair, int code, boolean error, String reporter) {
        static Derived of(Map<String, String> labels) {
            int code = IstioLabels.responseCode(labels);
            return new Derived(new Pair(IstioLabels.source(labels), IstioLabels.destination(labels)), code,
                    IstioLabels.error(labels, code), IstioLabels.reporter(labels));
        }
    }

    private record Pair(Peer source, Peer destination) {
    }

    record SeriesKey(IstioFamily family, String labelKey) {
    }
}
