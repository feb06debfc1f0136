package io.meshlane.control.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.meshlane.control.api.RequestOptions;
import io.meshlane.control.api.ResourceService;
import io.meshlane.control.crd.KindRegistry;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import io.meshlane.control.store.StoreException;
import io.meshlane.control.store.StoredObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Evaluates every MetricAutoscaler on the leader only (one engine scales a workload, not one per replica):
 * reads the target's scale from its member cluster's API server, the metrics from the hosted telemetry,
 * decides as the HPA controller does ({@link Evaluation}), writes the scale subresource when the replicas
 * change and the decision into the object's status.
 *
 * <p>Missing data never moves a workload: a member that does not answer or a window without telemetry
 * leaves its replicas as they are, and the status says why.
 */
public final class AutoscalingEngine implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AutoscalingEngine.class.getName());
    private static final String PREFIX = "/registry/meshlane.io/metricautoscalers/";
    private static final int HISTORY_POINTS = 720;

    private final ResourceService resources;
    private final KindRegistry registry;
    private final MeshMetrics metrics;
    private final MemberClusters members;
    private final BooleanSupplier leader;
    private final Map<String, Recommendations> memory = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastEvaluated = new ConcurrentHashMap<>();
    private final Map<String, java.util.Deque<ObjectNode>> history = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("autoscaling-engine").factory());

    private AutoscalingEngine(ResourceService resources, KindRegistry registry, MeshMetrics metrics, BooleanSupplier leader) {
        this.resources = resources;
        this.registry = registry;
        this.metrics = metrics;
        this.members = new MemberClusters(resources.store());
        this.leader = leader;
    }

    /** Starts evaluating; each autoscaler every spec.intervalSeconds, checked every {@code tickMillis}. */
    public static AutoscalingEngine start(ResourceService resources, KindRegistry registry, MeshMetrics metrics,
                                          BooleanSupplier leader, long tickMillis) {
        AutoscalingEngine engine = new AutoscalingEngine(resources, registry, metrics, leader);
        engine.timer.scheduleWithFixedDelay(engine::evaluateDue, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
        return engine;
    }

    /** An engine that evaluates only when {@link #evaluateDue()} is called (tests drive it on the telemetry's clock). */
    static AutoscalingEngine manual(ResourceService resources, KindRegistry registry, MeshMetrics metrics) {
        return new AutoscalingEngine(resources, registry, metrics, () -> true);
    }

    /** Evaluates every autoscaler whose interval has passed (on the leader; a follower forgets what it knew). */
    void evaluateDue() {
        if (!leader.getAsBoolean()) {
            // a replica that is not (or no longer) the leader forgets: the new leader decides from its own evaluations
            memory.clear();
            lastEvaluated.clear();
            return;
        }
        try {
            Set<String> seen = new HashSet<>();
            for (StoredObject o : resources.store().list(PREFIX, null, 0).items()) {
                seen.add(o.key());
                JsonNode object = Json.stored(o.value());
                Instant now = metrics.now();
                Instant last = lastEvaluated.get(o.key());
                int interval = object.path("spec").path("intervalSeconds").asInt(15);
                if (last != null && now.isBefore(last.plusSeconds(interval))) {
                    continue;
                }
                lastEvaluated.put(o.key(), now);
                try {
                    evaluate(o.key(), object, now);
                } catch (RuntimeException e) {
                    LOG.warning("autoscaler " + o.key().substring(PREFIX.length()) + ": " + e);
                }
            }
            memory.keySet().retainAll(seen);
            lastEvaluated.keySet().retainAll(seen);
            history.keySet().retainAll(seen);
        } catch (StoreException e) {
            LOG.fine("autoscaling skipped this tick: " + e.getMessage());
        }
    }

    private void evaluate(String key, JsonNode object, Instant now) {
        AutoscalerSpec spec;
        try {
            spec = AutoscalerSpec.of(object);
        } catch (IllegalArgumentException e) {
            writeStatus(object, null, null, List.of(new Condition(Condition.SCALING_ACTIVE, false, "InvalidSpec", e.getMessage())), now, false);
            return;
        }
        Resource<?> target;
        Scale scale;
        try {
            target = target(members.client(spec.cluster()), spec);
            scale = target instanceof io.fabric8.kubernetes.client.dsl.RollableScalableResource<?> r ? r.scale()
                    : ((io.fabric8.kubernetes.client.dsl.Scalable<?>) target).scale();
            if (scale == null) {
                throw new IllegalStateException(spec.kind() + " " + spec.namespace() + "/" + spec.name() + " does not exist in cluster "
                        + spec.cluster());
            }
        } catch (RuntimeException e) {
            writeStatus(object, spec, null, List.of(new Condition(Condition.ABLE_TO_SCALE, false, "FailedGetScale",
                    "the engine was unable to get the target's current scale from cluster " + spec.cluster() + " and holds its replicas: "
                            + message(e))), now, false);
            return;
        }
        int specReplicas = scale.getSpec() == null || scale.getSpec().getReplicas() == null ? 0 : scale.getSpec().getReplicas();
        int statusReplicas = scale.getStatus() == null || scale.getStatus().getReplicas() == null ? specReplicas : scale.getStatus().getReplicas();
        List<Reading> readings = new ArrayList<>();
        for (MetricSpec m : spec.metrics()) {
            readings.add(read(m, spec));
        }
        Recommendations recs = memory.computeIfAbsent(key, k -> new Recommendations());
        Decision d = Evaluation.evaluate(spec, specReplicas, statusReplicas, readings, recs, now);
        List<Condition> conditions = new ArrayList<>(d.conditions());
        boolean scaled = false;
        if (d.rescale()) {
            try {
                scale.getSpec().setReplicas(d.desiredReplicas());
                ((io.fabric8.kubernetes.client.dsl.Scalable<?>) target).scale(scale);
                scaled = true;
                recs.scaled(specReplicas, d.desiredReplicas(), spec.behavior(), now);
                conditions.set(0, new Condition(Condition.ABLE_TO_SCALE, true, "SucceededRescale",
                        "the engine was able to update the target scale to " + d.desiredReplicas()));
                LOG.info("autoscaler " + key.substring(PREFIX.length()) + " scaled " + spec.reference() + " from " + specReplicas + " to "
                        + d.desiredReplicas() + ": " + d.reason());
            } catch (RuntimeException e) {
                conditions.set(0, new Condition(Condition.ABLE_TO_SCALE, false, "FailedUpdateScale",
                        "the engine was unable to update the target scale to " + d.desiredReplicas() + ": " + message(e)));
            }
        }
        Decision written = new Decision(specReplicas, scaled ? d.desiredReplicas() : specReplicas, scaled, d.reason(), d.metrics(), conditions);
        record(key, now, scaled ? d.desiredReplicas() : specReplicas, d);
        writeStatus(object, spec, written, conditions, now, scaled);
    }

    private Reading read(MetricSpec m, AutoscalerSpec spec) {
        return m.metric() != null ? metrics.service(m.metric(), m.cluster(), m.namespace(), m.service(), spec.window())
                : metrics.counterRate(m.counter(), m.cluster(), m.namespace(), m.service(), spec.window());
    }

    private static Resource<?> target(KubernetesClient client, AutoscalerSpec spec) {
        return spec.kind().equals("Deployment") ? client.apps().deployments().inNamespace(spec.namespace()).withName(spec.name())
                : client.apps().statefulSets().inNamespace(spec.namespace()).withName(spec.name());
    }

    private static String message(RuntimeException e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    private void record(String key, Instant now, int replicas, Decision d) {
        ObjectNode point = Json.object().put("time", now.toEpochMilli()).put("replicas", replicas);
        ArrayNode values = point.putArray("metrics");
        for (Decision.MetricValue v : d.metrics()) {
            ObjectNode mv = values.addObject().put("name", v.spec().name()).put("target", v.spec().target().value())
                    .put("average", v.spec().target().average());
            if (Double.isNaN(v.value())) {
                mv.putNull("value");
            } else {
                mv.put("value", v.value());
            }
        }
        java.util.Deque<ObjectNode> points = history.computeIfAbsent(key, k -> new java.util.concurrent.ConcurrentLinkedDeque<>());
        points.addLast(point);
        while (points.size() > HISTORY_POINTS) {
            points.pollFirst();
        }
    }

    /** Every autoscaler's recent evaluations (replicas and metric values over time), for the dashboard. */
    public ObjectNode history() {
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("autoscalers");
        new java.util.TreeMap<>(history).forEach((key, points) -> {
            String[] nsName = key.substring(PREFIX.length()).split("/", 2);
            ObjectNode a = list.addObject().put("namespace", nsName[0]).put("name", nsName.length > 1 ? nsName[1] : "");
            ArrayNode ps = a.putArray("points");
            points.forEach(ps::add);
        });
        return out;
    }

    private void writeStatus(JsonNode object, AutoscalerSpec spec, Decision d, List<Condition> conditions, Instant now, boolean scaled) {
        ObjectNode updated = object.deepCopy();
        JsonNode old = object.path("status");
        ObjectNode status = Json.object();
        status.put("observedGeneration", object.path("metadata").path("generation").asLong(1));
        if (spec != null) {
            status.put("reference", spec.reference());
        }
        int current = d != null ? d.currentReplicas() : old.path("currentReplicas").asInt(0);
        status.put("currentReplicas", current);
        status.put("desiredReplicas", d != null ? d.desiredReplicas() : old.path("desiredReplicas").asInt(current));
        if (scaled) {
            status.put("lastScaleTime", now.truncatedTo(ChronoUnit.SECONDS).toString());
        } else if (old.has("lastScaleTime")) {
            status.set("lastScaleTime", old.path("lastScaleTime"));
        }
        if (d != null) {
            ArrayNode currentMetrics = status.putArray("currentMetrics");
            List<String> targets = new ArrayList<>();
            for (Decision.MetricValue v : d.metrics()) {
                ObjectNode m = currentMetrics.addObject().put("name", v.spec().name()).put("type", v.spec().type());
                ObjectNode c = m.putObject("current");
                String target = Quantities.format(v.spec().target().value()) + (v.spec().target().average() ? " (avg)" : "");
                if (v.missing() != null) {
                    m.put("missing", v.missing());
                    targets.add("<unknown>/" + target);
                } else if (v.spec().target().average()) {
                    c.put("averageValue", Quantities.format(v.averageValue())).put("value", Quantities.format(v.value()));
                    targets.add(Quantities.format(v.averageValue()) + "/" + target);
                } else {
                    c.put("value", Quantities.format(v.value()));
                    targets.add(Quantities.format(v.value()) + "/" + target);
                }
            }
            status.put("targets", String.join(", ", targets));
        } else if (old.has("currentMetrics")) {
            status.set("currentMetrics", old.path("currentMetrics"));
            status.put("targets", old.path("targets").asText());
        }
        ArrayNode conds = status.putArray("conditions");
        Map<String, JsonNode> previous = new java.util.HashMap<>();
        old.path("conditions").forEach(c -> previous.put(c.path("type").asText(), c));
        List<Condition> all = new ArrayList<>(conditions);
        // a condition this evaluation did not reach keeps what it last said (the HPA keeps its conditions the same way)
        for (String type : List.of(Condition.ABLE_TO_SCALE, Condition.SCALING_ACTIVE, Condition.SCALING_LIMITED)) {
            if (all.stream().noneMatch(c -> c.type().equals(type)) && previous.containsKey(type)) {
                JsonNode p = previous.get(type);
                all.add(new Condition(type, p.path("status").asText().equals("True"), p.path("reason").asText(), p.path("message").asText()));
            }
        }
        all.sort(java.util.Comparator.comparingInt(c -> List.of(Condition.ABLE_TO_SCALE, Condition.SCALING_ACTIVE,
                Condition.SCALING_LIMITED).indexOf(c.type())));
        for (Condition c : all) {
            JsonNode p = previous.get(c.type());
            String s = c.status() ? "True" : "False";
            String since = p != null && p.path("status").asText().equals(s) ? p.path("lastTransitionTime").asText()
                    : now.truncatedTo(ChronoUnit.SECONDS).toString();
            conds.addObject().put("type", c.type()).put("status", s).put("lastTransitionTime", since)
                    .put("reason", c.reason()).put("message", c.message());
        }
        if (status.equals(old)) {
            return;
        }
        updated.set("status", status);
        String namespace = object.path("metadata").path("namespace").asText();
        String name = object.path("metadata").path("name").asText();
        try {
            resources.update(registry.resolve("meshlane.io", "v1alpha1", "metricautoscalers").orElseThrow(), namespace, name, updated,
                    new RequestOptions(false, "Ignore", false), true);
        } catch (ApiError e) {
            // changed or deleted meanwhile: the next evaluation writes it again
            LOG.fine("status of autoscaler " + namespace + "/" + name + " not written: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        members.close();
    }
}
