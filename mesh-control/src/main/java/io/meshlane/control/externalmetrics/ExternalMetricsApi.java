package io.meshlane.control.externalmetrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.api.Selector;
import io.meshlane.control.autoscaling.MeshMetrics;
import io.meshlane.control.autoscaling.Quantities;
import io.meshlane.control.autoscaling.Reading;
import io.meshlane.control.autoscaling.ServiceMetric;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.ApiRequest;
import io.meshlane.control.http.ApiResponse;
import io.meshlane.control.http.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The mesh's service metrics as Kubernetes' external metrics API ({@code external.metrics.k8s.io/v1beta1}),
 * so that a member cluster's own HPA or KEDA can scale on them through the APIService that
 * {@code meshlane aggregation} renders. One item per service of the namespace, labelled {@code service}
 * (and {@code cluster} when the selector asks for one), over the last {@link #WINDOW}; the values are the
 * ones a MetricAutoscaler sees ({@link MeshMetrics}).
 */
public final class ExternalMetricsApi {

    public static final String GROUP = "external.metrics.k8s.io";
    public static final String VERSION = "v1beta1";
    private static final String PREFIX = "/apis/" + GROUP;
    /** The same window as the control plane's /metrics RED gauges. */
    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final String METRIC_PREFIX = "meshlane-service-";

    private final MeshMetrics metrics;

    public ExternalMetricsApi(MeshMetrics metrics) {
        this.metrics = metrics;
    }

    public boolean serves(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    /** The group as {@code /apis} lists it. */
    public static ObjectNode group() {
        ObjectNode g = Json.object().put("name", GROUP);
        g.putArray("versions").addObject().put("groupVersion", GROUP + "/" + VERSION).put("version", VERSION);
        g.putObject("preferredVersion").put("groupVersion", GROUP + "/" + VERSION).put("version", VERSION);
        return g;
    }

    public ApiResponse handle(ApiRequest r, String path) {
        if (!r.method().equals("GET")) {
            throw ApiError.methodNotAllowed(r.method() + " " + path + " (the external metrics API is read-only)");
        }
        String[] s = path.substring(1).split("/");
        if (s.length == 2) {
            return ApiResponse.json(200, group().put("kind", "APIGroup").put("apiVersion", "v1"));
        }
        if (!s[2].equals(VERSION)) {
            throw ApiError.notFoundPath(path);
        }
        if (s.length == 3) {
            return ApiResponse.json(200, resources());
        }
        if (s.length == 6 && s[3].equals("namespaces")) {
            return ApiResponse.json(200, values(s[4], s[5], r.query().get("labelSelector")));
        }
        throw new ApiError(404, "NotFound", "the server could not find " + path + ": ask for "
                + PREFIX + "/" + VERSION + "/namespaces/<namespace>/<metric>, metrics " + names(), null);
    }

    private static ObjectNode resources() {
        ObjectNode o = Json.object().put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", GROUP + "/" + VERSION);
        ArrayNode list = o.putArray("resources");
        for (ServiceMetric m : ServiceMetric.values()) {
            ObjectNode res = list.addObject().put("name", METRIC_PREFIX + m.externalName()).put("singularName", "")
                    .put("namespaced", true).put("kind", "ExternalMetricValueList");
            res.putArray("verbs").add("get");
        }
        return o;
    }

    private ObjectNode values(String namespace, String name, String labelSelector) {
        ServiceMetric metric = name.startsWith(METRIC_PREFIX) ? ServiceMetric.ofExternal(name.substring(METRIC_PREFIX.length())).orElse(null)
                : null;
        if (metric == null) {
            throw new ApiError(404, "NotFound", "no external metric \"" + name + "\": meshlane serves " + names(), null);
        }
        Selector selector = Selector.labels(labelSelector);
        boolean perCluster = selector.requirements().stream().anyMatch(q -> q.key().equals("cluster"));
        Instant now = metrics.now();
        ObjectNode list = Json.object().put("kind", "ExternalMetricValueList").put("apiVersion", GROUP + "/" + VERSION);
        list.putObject("metadata");
        ArrayNode items = list.putArray("items");
        // one item per service (per cluster only when asked): an HPA sums the items it selects, which must not add latencies
        Map<String, String> done = new LinkedHashMap<>();
        for (MeshMetrics.ServiceSeen seen : metrics.services(namespace, WINDOW)) {
            String cluster = perCluster ? seen.cluster() : "";
            if (done.put(seen.service() + "\u0000" + cluster, "") != null) {
                continue;
            }
            ObjectNode labels = Json.object().put("service", seen.service()).put("namespace", namespace);
            if (perCluster) {
                labels.put("cluster", cluster);
            }
            if (!selector.matchesLabels(Json.object().set("metadata", Json.object().set("labels", labels)))) {
                continue;
            }
            Reading reading = metrics.service(metric, cluster, namespace, seen.service(), WINDOW);
            if (!reading.present()) {
                continue;
            }
            ObjectNode item = items.addObject().put("metricName", name);
            item.set("metricLabels", labels);
            item.put("timestamp", now.truncatedTo(ChronoUnit.SECONDS).toString()).put("windowSeconds", WINDOW.toSeconds())
                    .put("value", Quantities.format(reading.value()));
        }
        return list;
    }

    private static String names() {
        return String.join(", ", Arrays.stream(ServiceMetric.values()).map(m -> METRIC_PREFIX + m.externalName()).toList());
    }
}
