package io.meshlane.control.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One metric of an autoscaler, with its target: a service's RED from the mesh's telemetry ({@code Service}:
 * {@code metric} set), or the rate of a counter the service's application reports over OTLP ({@code Counter}:
 * {@code counter} names it). {@link #name()} is how status and the dashboard call it.
 */
record MetricSpec(String type, String service, String namespace, String cluster, ServiceMetric metric, String counter,
                  MetricTarget target) {

    static final String SERVICE = "Service";
    static final String COUNTER = "Counter";

    static MetricSpec parse(JsonNode m, String defaultNamespace, String where) {
        MetricTarget target = MetricTarget.parse(m.path("target"), where + ".target");
        String type = m.path("type").asText(SERVICE);
        if (type.equals(COUNTER)) {
            JsonNode c = m.path("counter");
            if (c.path("name").asText().isEmpty() || c.path("service").asText().isEmpty()) {
                throw new IllegalArgumentException(where + ".counter needs name (the OTLP metric) and service (its reporter's service.name)");
            }
            return new MetricSpec(COUNTER, c.path("service").asText(), c.path("namespace").asText(defaultNamespace),
                    c.path("cluster").asText(""), null, c.path("name").asText(), target);
        }
        JsonNode s = m.path("service");
        ServiceMetric metric = ServiceMetric.of(s.path("metric").asText())
                .orElseThrow(() -> new IllegalArgumentException(where + ".service.metric must be one of " + ServiceMetric.names()
                        + ", got " + s.path("metric").asText()));
        return new MetricSpec(SERVICE, s.path("name").asText(), s.path("namespace").asText(defaultNamespace), s.path("cluster").asText(""),
                metric, "", target);
    }

    /** "RequestRate(reviews.bookinfo)", "LatencyP99(reviews.bookinfo@east)", "orders_total(reviews.bookinfo)". */
    String name() {
        return (metric != null ? metric.id() : counter) + "(" + service + "." + namespace + (cluster.isEmpty() ? "" : "@" + cluster) + ")";
    }
}
