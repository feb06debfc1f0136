package io.meshlane.control.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One metric of an autoscaler: a service's RED from the mesh's telemetry, with its target.
 * {@link #name()} is how status and the dashboard call it.
 */
record MetricSpec(String service, String namespace, String cluster, ServiceMetric metric, MetricTarget target) {

    static MetricSpec parse(JsonNode m, String defaultNamespace, String where) {
        MetricTarget target = MetricTarget.parse(m.path("target"), where + ".target");
        JsonNode s = m.path("service");
        ServiceMetric metric = ServiceMetric.of(s.path("metric").asText())
                .orElseThrow(() -> new IllegalArgumentException(where + ".service.metric must be one of " + ServiceMetric.names()
                        + ", got " + s.path("metric").asText()));
        return new MetricSpec(s.path("name").asText(), s.path("namespace").asText(defaultNamespace), s.path("cluster").asText(""),
                metric, target);
    }

    /** "RequestRate(reviews.bookinfo)", "LatencyP99(reviews.bookinfo@east)". */
    String name() {
        return metric.id() + "(" + service + "." + namespace + (cluster.isEmpty() ? "" : "@" + cluster) + ")";
    }
}
