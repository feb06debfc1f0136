package io.meshlane.control.telemetry.store;

import io.meshlane.control.telemetry.signals.Peer;
import io.meshlane.control.telemetry.signals.RequestBuckets;
import io.meshlane.control.telemetry.signals.RequestSample;
import io.meshlane.control.telemetry.signals.SpanKind;
import io.meshlane.control.telemetry.signals.SpanRecord;
import io.meshlane.control.telemetry.signals.TcpSample;
import java.util.Map;

/**
 * Turns validated signals into aggregate updates. Request metrics feed both the destination's
 * series and the edge; spans split that work: SERVER spans feed the service, its workload and
 * endpoint, CLIENT spans feed the service-level edge, so a call seen by both ends is counted
 * once. The workload-level edge needs both ends' workloads, so it comes from the CLIENT/SERVER
 * pair the trace store matches. Every method returns how many keys the cardinality cap folded.
 */
final class SignalRecorder {

    private final Aggregates aggregates;
    private final String localCluster;

    SignalRecorder(Aggregates aggregates, String localCluster) {
        this.aggregates = aggregates;
        this.localCluster = localCluster;
    }

    int request(RequestSample r) {
        Peer src = withCluster(r.source());
        Peer dst = withCluster(r.destination());
        boolean error = r.error() || r.responseCode() >= 500;
        long at = r.epochMillis();
        Aggregates.CellUpdate update = latency(r.durationMicros(), 1, error, false);
        return served(dst, r.operation(), at, update) + edge(src, dst, at, update) + workloadEdge(src, dst, at, update);
    }

    int buckets(RequestBuckets b) {
        Peer src = withCluster(b.source());
        Peer dst = withCluster(b.destination());
        boolean error = b.error() || b.responseCode() >= 500;
        long at = b.epochMillis();
        Aggregates.CellUpdate update = cell -> {
            long grown = ensureLatency(cell);
            double[] bounds = b.upperBoundsMillis();
            long[] counts = b.counts();
            for (int i = 0; i < counts.length; i++) {
                long n = counts[i];
                if (n <= 0) {
                    continue;
                }
                cell.requests += n;
                if (error) {
                    cell.errors += n;
                }
                if (bounds.length == 0) {
                    // a count without a duration histogram (istio_requests_total alone): requests, latency unknown
                    continue;
                }
                // The overflow bucket has no upper bound: its requests count at the last bound.
                double ms = bounds[Math.min(i, bounds.length - 1)];
                grown += cell.latency.record(Math.round(ms * 1000.0), n);
            }
            cell.approximate = true;
            return grown;
        };
        return served(dst, "", at, update) + edge(src, dst, at, update) + workloadEdge(src, dst, at, update);
    }

    int tcp(TcpSample t) {
        Peer src = withCluster(t.source());
        Peer dst = withCluster(t.destination());
        Aggregates.CellUpdate update = cell -> {
            cell.tcpOpened += t.connectionsOpened();
            cell.tcpClosed += t.connectionsClosed();
            cell.sentBytes += t.sentBytes();
            cell.receivedBytes += t.receivedBytes();
            return 0;
        };
        return edge(src, dst, t.epochMillis(), update) + workloadEdge(src, dst, t.epochMillis(), update);
    }

    /** Metrics of one newly stored span; {@code pair} is the CLIENT/SERVER pair it completed, if any. */
    int span(SpanRecord s, TraceStore.Added pair) {
        Peer self = withCluster(s.service());
        long at = s.endEpochNanos() / 1_000_000L;
        int folded = 0;
        Aggregates.CellUpdate update = latency(s.durationNanos() / 1_000L, 1, s.failed(), false);
        if (s.kind() == SpanKind.SERVER) {
            folded += served(self, operation(s), at, update);
            if (s.parentSpanId().isEmpty()) {
                folded += edge(Peer.UNKNOWN, self, at, update) + workloadEdge(Peer.UNKNOWN, self, at, update);
            }
        } else if (s.kind() == SpanKind.CLIENT && !s.peerService().isEmpty()) {
            folded += edge(self, calledPeer(self, s.peerService(), s.attributes()), at, update);
        }
        if (pair.client() != null) {
            SpanRecord client = pair.client();
            Peer caller = withCluster(client.service());
            Peer callee = withCluster(pair.server().service());
            Aggregates.CellUpdate callerView = latency(client.durationNanos() / 1_000L, 1, client.failed(),
                    false);
            long when = client.endEpochNanos() / 1_000_000L;
            folded += workloadEdge(caller, callee, when, callerView);
            if (client.peerService().isEmpty()) {
                folded += edge(caller, callee, when, callerView);
            }
        }
        return folded;
    }

    private int served(Peer dst, String operation, long at, Aggregates.CellUpdate update) {
        Peer service = serviceLevel(dst);
        int folded = fold(aggregates.apply(SeriesKey.service(service), dst.workload(), at, update));
        if (!dst.workload().isEmpty()) {
            folded += fold(aggregates.apply(new SeriesKey(SeriesKind.WORKLOAD, SeriesKey.NO_PEER, dst, ""), "", at,
                    update));
        }
        if (!operation.isEmpty()) {
            folded += fold(aggregates.apply(new SeriesKey(SeriesKind.ENDPOINT, SeriesKey.NO_PEER, service, operation),
                    "", at, update));
        }
        return folded;
    }

    private int edge(Peer src, Peer dst, long at, Aggregates.CellUpdate update) {
        return fold(aggregates.apply(new SeriesKey(SeriesKind.EDGE, serviceLevel(src), serviceLevel(dst), ""), "", at,
                update));
    }

    private int workloadEdge(Peer src, Peer dst, long at, Aggregates.CellUpdate update) {
        if (dst.workload().isEmpty() || (!src.isUnknown() && src.workload().isEmpty())) {
            return 0;
        }
        return fold(aggregates.apply(new SeriesKey(SeriesKind.WORKLOAD_EDGE, src, dst, ""), "", at, update));
    }

    private static int fold(boolean folded) {
        return folded ? 1 : 0;
    }

    private static Aggregates.CellUpdate latency(long micros, long count, boolean error, boolean approximate) {
        return cell -> {
            cell.requests += count;
            if (error) {
                cell.errors += count;
            }
            cell.approximate |= approximate;
            return ensureLatency(cell) + cell.latency.record(micros, count);
        };
    }

    private static long ensureLatency(SlotCell cell) {
        if (cell.latency != null) {
            return 0;
        }
        cell.latency = new LatencyHistogram();
        return cell.latency.footprintBytes();
    }

    /** "METHOD route" when the span names its route, else the span name. */
    static String operation(SpanRecord s) {
        Map<String, String> a = s.attributes();
        String route = a.getOrDefault("http.route", "");
        if (route.isEmpty()) {
            return s.name();
        }
        String method = a.getOrDefault("http.request.method", a.getOrDefault("http.method", ""));
        return method.isEmpty() ? route : method + " " + route;
    }

    /**
     * The service a CLIENT span called: peer.service, or a Kubernetes host name
     * (name.namespace.svc[.cluster.local][:port]) whose namespace it carries; otherwise the
     * caller's cluster and namespace, unless peer.namespace / peer.cluster attributes say otherwise.
     */
    static Peer calledPeer(Peer caller, String peerService, Map<String, String> attributes) {
        String host = peerService;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && colon < host.length() - 1 && host.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            host = host.substring(0, colon);
        }
        String name = host;
        String namespace = caller.namespace();
        String[] labels = host.split("\\.");
        if (labels.length >= 3 && labels[2].equals("svc")) {
            name = labels[0];
            namespace = labels[1];
        }
        namespace = attributes.getOrDefault("peer.namespace", namespace);
        String cluster = attributes.getOrDefault("peer.cluster", caller.cluster());
        return new Peer(cluster, namespace, "", name);
    }

    Peer withCluster(Peer p) {
        if (p.isUnknown()) {
            return Peer.UNKNOWN;
        }
        return p.cluster().isEmpty() ? new Peer(localCluster, p.namespace(), p.workload(), p.service()) : p;
    }

    private static Peer serviceLevel(Peer p) {
        if (p.isUnknown()) {
            return Peer.UNKNOWN;
        }
        if (p.workload().isEmpty()) {
            return p;
        }
        return new Peer(p.cluster(), p.namespace(), "", p.service().isEmpty() ? p.workload() : p.service());
    }
}
