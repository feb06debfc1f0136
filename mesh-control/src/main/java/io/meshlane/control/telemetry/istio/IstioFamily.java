package io.meshlane.control.telemetry.istio;

import java.util.Locale;

/** Istio's standard metric families, recognised under their Prometheus and OTLP spellings. */
enum IstioFamily {
    REQUESTS, REQUEST_DURATION, TCP_OPENED, TCP_CLOSED, TCP_SENT, TCP_RECEIVED;

    /**
     * The family of a metric name, or null. OTLP names may use dots and omit Prometheus' "_total"
     * suffix; Prometheus names carry it (and "_bucket" etc. are resolved by the scrape parser first).
     */
    static IstioFamily of(String metricName) {
        String n = metricName.toLowerCase(Locale.ROOT).replace('.', '_');
        if (n.endsWith("_total")) {
            n = n.substring(0, n.length() - "_total".length());
        }
        return switch (n) {
            case "istio_requests" -> REQUESTS;
            case "istio_request_duration_milliseconds" -> REQUEST_DURATION;
            case "istio_tcp_connections_opened" -> TCP_OPENED;
            case "istio_tcp_connections_closed" -> TCP_CLOSED;
            case "istio_tcp_sent_bytes" -> TCP_SENT;
            case "istio_tcp_received_bytes" -> TCP_RECEIVED;
            default -> null;
        };
    }
}
