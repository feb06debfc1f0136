package io.meshlane.control.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreException;
import io.meshlane.control.store.StoredObject;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * Reports xDS trouble on the objects themselves: a NACK from a client, or a translator rejection, sets
 * the condition {@code type: XdsAccepted, status: "False"} (reason {@code Nacked} or {@code Rejected},
 * with the message) in the object's {@code status.conditions}, as {@code kubectl get -o yaml} shows it.
 * Writes are skipped when the same condition is already there, so reporting never loops through the
 * store watch. Notices of accepted objects set their own condition (a Gateway's {@code WorkloadSelected}), flipped
 * back to True once the problem is gone. A TestLane's {@code status.services} lists the services it covers. Runs on
 * its own thread; a failed write is logged and dropped.
 */
public final class StatusReporter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StatusReporter.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String CONDITION = "XdsAccepted";

    private final ResourceStore store;
    private final java.util.concurrent.ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("lane-traffic").unstarted(r));
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("xds-status").unstarted(r));

    public StatusReporter(ResourceStore store) {
        this.store = store;
    }

    /** Reports the server's NACKs and rejections from now on. */
    public StatusReporter attach(XdsServer server) {
        server.onNack(n -> {
            for (String object : n.configObjects()) {
                String[] kindAndName = object.split(" ", 2);
                String[] nsName = kindAndName[1].split("/", 2);
                report(kindAndName[0], nsName[0], nsName[1], "Nacked", "node " + n.nodeId() + " rejected "
                        + TypeUrls.shortName(n.typeUrl()) + " " + n.resourceNames() + ": " + n.message());
            }
        });
        server.onRejection(r -> report(r.kind(), r.namespace(), r.name(), "Rejected", r.message()));
        server.onNotice(n -> report(n.kind(), n.namespace(), n.name(), n.type(), n.problem() == null, n.reason(),
                n.problem() == null ? "" : n.problem()));
        server.onLaneCoverage(this::reportCoverage);
        return this;
    }

    void report(String kind, String namespace, String name, String reason, String message) {
        report(kind, namespace, name, CONDITION, false, reason, message);
    }

    /** Sets condition {@code type}; a condition that is fine ({@code ok}) is written only over an earlier problem. */
    private void report(String kind, String namespace, String name, String type, boolean ok, String reason, String message) {
        String value = ok ? "True" : "False";
        edit(kind, namespace, name, status -> {
            ArrayNode conditions = status.has("conditions") && status.get("conditions").isArray()
                    ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
            ObjectNode existing = null;
            for (JsonNode c : conditions) {
                if (type.equals(c.path("type").asText())) {
                    existing = (ObjectNode) c;
                }
            }
            if (existing == null && ok || existing != null && value.equals(existing.path("status").asText())
                    && reason.equals(existing.path("reason").asText()) && message.equals(existing.path("message").asText())) {
                return false;
            }
            ObjectNode c = existing != null ? existing : conditions.addObject();
            c.put("type", type).put("status", value).put("reason", reason).put("message", message)
                    .put("lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            return true;
        });
    }

    /** Writes the services a TestLane covers into its {@code status.services}. */
    private void reportCoverage(LaneCoverage.Covered covered) {
        edit(MeshObject.TEST_LANE, covered.namespace(), covered.name(), status -> {
            ArrayNode services = JSON.createArrayNode();
            covered.services().forEach(services::add);
            if (services.equals(status.get("services"))) {
                return false;
            }
            status.set("services", services);
            return true;
        });
    }

    /**
     * Every {@code every}, while {@code leads}, writes each TestLane's traffic over the services its status lists
     * ({@code status.requestsPerSecond}, {@code requests}, {@code requestsByService}, {@code trafficShare},
     * {@code window}) from {@code telemetry}; only figures that differ from the stored ones are written, and
     * such a status-only write retranslates nothing (see {@link Lanes#put}).
     */
    public StatusReporter measureLanes(java.util.function.Supplier<LaneTraffic.Window> telemetry,
            java.util.function.BooleanSupplier leads, java.time.Duration every) {
        ticker.scheduleWithFixedDelay(() -> {
            try {
                if (leads.getAsBoolean()) {
                    measureLanes(telemetry.get());
                }
            } catch (RuntimeException e) {
                LOG.warning("cannot measure the TestLanes' traffic: " + e);
            }
        }, every.toMillis(), every.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return this;
    }

    void measureLanes(LaneTraffic.Window window) {
        String prefix = StoreConfigSource.key(MeshObject.TEST_LANE, "", "").replaceAll("/$", "");
        String after = null;
        io.meshlane.control.store.Page page;
        do {
            page = store.list(prefix, after, 500);
            for (StoredObject found : page.items()) {
                after = found.key();
                String[] nsName = found.key().substring(prefix.length()).split("/", 2);
                try {
                    java.util.List<String> hosts = new java.util.ArrayList<>();
                    JSON.readTree(found.value()).path("status").path("services").forEach(h -> hosts.add(h.asText()));
                    reportTraffic(nsName[0], nsName[1], LaneTraffic.measure(nsName[0], nsName[1], hosts, window));
                } catch (IOException e) {
                    LOG.warning("cannot read TestLane " + found.key() + ": " + e.getMessage());
                }
            }
        } while (page.more());
    }

    private void reportTraffic(String namespace, String name, LaneTraffic.Measured m) {
        edit(MeshObject.TEST_LANE, namespace, name, status -> {
            ObjectNode wanted = JSON.createObjectNode();
            wanted.put("requestsPerSecond", m.requestsPerSecond()).put("requests", m.requests())
                    .put("trafficShare", m.trafficShare()).put("window", m.window());
            ObjectNode byService = wanted.putObject("requestsByService");
            m.requestsByService().forEach(byService::put);
            boolean same = true;
            for (var f : wanted.properties()) {
                // compared as written: a stored 5 reads back as an int, a measured one is a long
                JsonNode stored = status.get(f.getKey());
                same &= stored != null && (stored.isNumber() && f.getValue().isNumber()
                        ? stored.asDouble() == f.getValue().asDouble() : stored.toString().equals(f.getValue().toString()));
            }
            if (same) {
                return false;
            }
            status.setAll(wanted);
            return true;
        });
    }

    /**
     * Applies {@code change} to an object's status (created if missing) and writes it back when it says it changed,
     * retrying a write another writer raced; a deleted object is left alone.
     */
    private void edit(String kind, String namespace, String name, Predicate<ObjectNode> change) {
        writer.execute(() -> {
            String key;
            try {
                key = StoreConfigSource.key(kind, namespace, name);
            } catch (IllegalArgumentException e) {
                return;
            }
            for (int attempt = 0; attempt < 3; attempt++) {
                Optional<StoredObject> found = store.get(key);
                if (found.isEmpty()) {
                    return;
                }
                try {
                    ObjectNode o = (ObjectNode) JSON.readTree(found.get().value());
                    ObjectNode status = o.has("status") && o.get("status").isObject() ? (ObjectNode) o.get("status") : o.putObject("status");
                    if (!change.test(status)) {
                        return;
                    }
                    store.update(key, JSON.writeValueAsBytes(o), found.get().modRevision());
                    return;
                } catch (StoreException e) {
                    LOG.fine("status write for " + key + " raced (" + e.getMessage() + "); retrying");
                } catch (IOException | ClassCastException e) {
                    LOG.warning("cannot report xDS status on " + key + ": " + e.getMessage());
                    return;
                }
            }
        });
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        writer.shutdown();
    }
}
