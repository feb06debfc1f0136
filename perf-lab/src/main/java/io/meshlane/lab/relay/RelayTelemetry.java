package io.meshlane.lab.relay;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongCounter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * Istio's TCP metrics for the relay: istio_tcp_connections_opened_total/_closed_total,
 * istio_tcp_sent_bytes_total (response direction) and istio_tcp_received_bytes_total (request
 * direction), labelled with both ends' workload, namespace, canonical service and cluster and the
 * reporter ("source" on the outbound listener, "destination" on the inbound one).
 *
 * <p>Nothing here is on the forwarding path: a connection's bytes are plain fields of its
 * {@link ConnectionStats}; totals move into the connection's series once, when it closes; the
 * counters are asynchronous and their callback (the metric reader's thread, once per export) adds
 * the live connections' fields. Opening, closing and the callback share one lock, so a connection
 * is never counted both live and closed and the totals only grow.
 */
public final class RelayTelemetry {
    static final String OPENED = "istio_tcp_connections_opened_total";
    static final String CLOSED = "istio_tcp_connections_closed_total";
    static final String SENT = "istio_tcp_sent_bytes_total";
    static final String RECEIVED = "istio_tcp_received_bytes_total";

    /** The totals of one label set. Guarded by the telemetry's lock. */
    static final class Series {
        final Attributes attributes;
        long opened;
        long closed;
        long closedRequestBytes;
        long closedResponseBytes;
        final Set<ConnectionStats> live = new HashSet<>();

        Series(Attributes attributes) {
            this.attributes = attributes;
        }
    }

    private record Key(String reporter, PeerWorkload source, PeerWorkload destination) { }

    private final PeerWorkload self;
    private final PeerDirectory peers;
    private final String cluster;
    private final Map<Key, Series> series = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final List<ObservableLongCounter> instruments = new ArrayList<>();

    public RelayTelemetry(Meter meter, PeerWorkload self, PeerDirectory peers, String cluster) {
        this.self = self;
        this.peers = peers;
        this.cluster = cluster;
        instruments.add(counter(meter, OPENED, "{connection}", "TCP connections opened", s -> s.opened));
        instruments.add(counter(meter, CLOSED, "{connection}", "TCP connections closed", s -> s.closed));
        instruments.add(counter(meter, SENT, "By", "bytes sent in responses",
                s -> s.closedResponseBytes + s.live.stream().mapToLong(ConnectionStats::responseBytes).sum()));
        instruments.add(counter(meter, RECEIVED, "By", "bytes received in requests",
                s -> s.closedRequestBytes + s.live.stream().mapToLong(ConnectionStats::requestBytes).sum()));
    }

    private ObservableLongCounter counter(Meter meter, String name, String unit, String description,
                                          ToLongFunction<Series> value) {
        return meter.counterBuilder(name).setUnit(unit).setDescription(description)
                .buildWithCallback((ObservableLongMeasurement m) -> {
                    synchronized (lock) {
                        for (Series s : series.values()) {
                            m.record(value.applyAsLong(s), s.attributes);
                        }
                    }
                });
    }

    /**
     * A connection accepted on the outbound listener ({@code outbound}: this pod is the source,
     * the original destination's pod the destination) or on the inbound one (the peer address's
     * pod is the source, this pod the destination).
     */
    ConnectionStats open(boolean outbound, InetAddress peer) {
        PeerWorkload other = peers.lookup(peer);
        Key key = outbound ? new Key("source", self, other) : new Key("destination", other, self);
        Series s = series.computeIfAbsent(key, this::newSeries);
        ConnectionStats stats = new ConnectionStats(s);
        synchronized (lock) {
            s.opened++;
            s.live.add(stats);
        }
        return stats;
    }

    void close(ConnectionStats stats) {
        if (stats.closed) {
            return;
        }
        stats.closed = true;
        Series s = stats.series;
        synchronized (lock) {
            s.live.remove(stats);
            s.closed++;
            s.closedRequestBytes += stats.requestBytes();
            s.closedResponseBytes += stats.responseBytes();
        }
    }

    private Series newSeries(Key key) {
        return new Series(Attributes.builder()
                .put(AttributeKey.stringKey("reporter"), key.reporter())
                .put(AttributeKey.stringKey("source_workload"), key.source().workload())
                .put(AttributeKey.stringKey("source_workload_namespace"), key.source().namespace())
                .put(AttributeKey.stringKey("source_canonical_service"), key.source().service())
                .put(AttributeKey.stringKey("source_cluster"), cluster)
                .put(AttributeKey.stringKey("destination_workload"), key.destination().workload())
                .put(AttributeKey.stringKey("destination_workload_namespace"), key.destination().namespace())
                .put(AttributeKey.stringKey("destination_canonical_service"), key.destination().service())
                .put(AttributeKey.stringKey("destination_cluster"), cluster)
                .put(AttributeKey.stringKey("request_protocol"), "tcp")
                .build());
    }
}
