package io.meshlane.control.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.meshlane.control.http.Json;
import io.meshlane.control.store.ResourceStore;
import io.meshlane.control.store.StoreException;
import io.meshlane.control.store.StoredObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One leader among the replicas sharing an etcd, for the work only one of them may do. Each replica
 * holds an etcd lease of {@link #TTL_SECONDS} it keeps alive; whoever puts {@link #KEY} under its
 * lease first is the leader until its lease expires (a replica killed stops renewing, etcd deletes
 * the key, a follower takes it on its next try). The leader mirrors its term into the
 * {@code coordination.k8s.io/v1} Lease {@code meshlane-system/meshlane-control}, so that
 * {@code kubectl get lease -n meshlane-system} shows the holder and its renew time.
 *
 * <p>A leader that cannot renew its lease within the TTL (etcd unreachable, quorum lost) stops
 * being leader on its own clock, before etcd can hand the key to another replica.
 */
public final class LeaderElection implements AutoCloseable {

    public static final long TTL_SECONDS = 3;
    public static final String NAMESPACE = "meshlane-system";
    public static final String LEASE_NAME = "meshlane-control";
    static final String LEASE_KEY = "/registry/coordination.k8s.io/leases/" + NAMESPACE + "/" + LEASE_NAME;
    private static final String KEY = "/meshlane/fleet/leader";
    private static final long TICK_MILLIS = 500;
    private static final DateTimeFormatter MICRO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Logger LOG = Logger.getLogger(LeaderElection.class.getName());

    private final Client client;
    private final ResourceStore store;
    private final String identity;
    private final ByteSequence key = ByteSequence.from(KEY, StandardCharsets.UTF_8);
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("leader-election").factory());
    private static final String REPLICAS = "/meshlane/fleet/replicas/";
    private long leaseId;
    private volatile String advertised;
    private volatile java.util.function.Consumer<List<String>> onReplicas = r -> { };
    private List<String> knownReplicas = List.of();
    private int ticks;
    private volatile boolean leader;
    private long renewedNanos;
    private Instant acquired;

    private LeaderElection(List<String> endpoints, ResourceStore store, String identity) {
        this.client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
        this.store = store;
        this.identity = identity;
    }

    /** Starts campaigning as {@code identity} (which replica: its API address and a per-process id). */
    public static LeaderElection start(List<String> endpoints, ResourceStore store, String identity) {
        LeaderElection e = new LeaderElection(endpoints, store, identity + "_" + UUID.randomUUID().toString().substring(0, 8));
        e.timer.scheduleWithFixedDelay(e::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return e;
    }

    /**
     * Lists this replica under {@code url} for as long as its lease lives, and calls {@code listener}
     * (on the election's thread) with every replica's URL whenever that set changes.
     */
    public void advertise(String url, java.util.function.Consumer<List<String>> listener) {
        this.onReplicas = listener;
        this.advertised = url;
    }

    private void publish(boolean newLease) throws Exception {
        String url = advertised;
        if (url == null) {
            return;
        }
        ByteSequence k = ByteSequence.from(REPLICAS + identity, StandardCharsets.UTF_8);
        if (newLease || knownReplicas.isEmpty()) {
            client.getKVClient().put(k, ByteSequence.from(url, StandardCharsets.UTF_8), PutOption.builder().withLeaseId(leaseId).build())
                    .get(2, TimeUnit.SECONDS);
        }
        if (newLease || knownReplicas.isEmpty() || ticks % 4 == 0) {
            ByteSequence prefix = ByteSequence.from(REPLICAS, StandardCharsets.UTF_8);
            List<String> now = client.getKVClient().get(prefix, GetOption.builder().isPrefix(true).build()).get(2, TimeUnit.SECONDS)
                    .getKvs().stream().map(kv -> kv.getValue().toString(StandardCharsets.UTF_8)).distinct().sorted().toList();
            if (!now.equals(knownReplicas)) {
                knownReplicas = now;
                onReplicas.accept(now);
            }
        }
    }

    public boolean isLeader() {
        return leader;
    }

    public String identity() {
        return identity;
    }

    private void tick() {
        try {
            if (leader && System.nanoTime() - renewedNanos > TimeUnit.SECONDS.toNanos(TTL_SECONDS) * 2 / 3) {
                // our lease may be gone at etcd by the time we learn it: step down before anyone else can step up
                step("the lease was not renewed in time");
            }
            boolean newLease = false;
            if (leaseId == 0 || !keepAlive()) {
                step("the etcd lease expired");
                leaseId = client.getLeaseClient().grant(TTL_SECONDS).get(2, TimeUnit.SECONDS).getID();
                newLease = true;
            }
            renewedNanos = System.nanoTime();
            ticks++;
            publish(newLease);
            if (!leader) {
                campaign();
            } else if (!stillHolder()) {
                step("another replica holds the leadership");
            }
            if (leader) {
                mirror();
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
            LOG.fine("leader election at etcd: " + e);
        }
    }

    private boolean keepAlive() throws Exception {
        try {
            LeaseKeepAliveResponse r = client.getLeaseClient().keepAliveOnce(leaseId).get(2, TimeUnit.SECONDS);
            return r.getTTL() > 0;
        } catch (java.util.concurrent.ExecutionException e) {
            if (String.valueOf(e.getCause().getMessage()).contains("lease not found")) {
                leaseId = 0;
                return false;
            }
            throw e;
        }
    }

    private void step(String why) {
        if (leader) {
            LOG.info("replica " + identity + " is no longer the leader: " + why);
        }
        leader = false;
    }

    private void campaign() throws Exception {
        ByteSequence me = ByteSequence.from(identity, StandardCharsets.UTF_8);
        TxnResponse r = client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(key, me, PutOption.builder().withLeaseId(leaseId).build()))
                .Else(Op.get(key, GetOption.DEFAULT))
                .commit().get(2, TimeUnit.SECONDS);
        if (r.isSucceeded()) {
            leader = true;
            acquired = Instant.now();
            LOG.info("replica " + identity + " is the leader");
        }
    }

    private boolean stillHolder() throws Exception {
        List<KeyValue> kvs = client.getKVClient().get(key).get(2, TimeUnit.SECONDS).getKvs();
        return !kvs.isEmpty() && kvs.getFirst().getLease() == leaseId
                && kvs.getFirst().getValue().toString(StandardCharsets.UTF_8).equals(identity);
    }

    private void mirror() {
        String now = MICRO_TIME.format(Instant.now());
        try {
            Optional<StoredObject> existing = store.get(LEASE_KEY);
            if (existing.isEmpty()) {
                store.create(LEASE_KEY, Json.bytes(lease(null, now, 0)));
                return;
            }
            JsonNode old = Json.stored(existing.get().value());
            String holder = old.path("spec").path("holderIdentity").asText();
            int transitions = old.path("spec").path("leaseTransitions").asInt() + (holder.equals(identity) ? 0 : 1);
            store.update(LEASE_KEY, Json.bytes(lease(old, now, transitions)), existing.get().modRevision());
        } catch (StoreException e) {
            // the next tick writes it again
            LOG.fine("cannot write the Lease " + NAMESPACE + "/" + LEASE_NAME + ": " + e.getMessage());
        }
    }

    private ObjectNode lease(JsonNode old, String now, int transitions) {
        ObjectNode lease = Json.object().put("apiVersion", "coordination.k8s.io/v1").put("kind", "Lease");
        ObjectNode metadata = lease.putObject("metadata").put("name", LEASE_NAME).put("namespace", NAMESPACE);
        if (old == null) {
            metadata.put("uid", UUID.randomUUID().toString())
                    .put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        } else {
            metadata.put("uid", old.path("metadata").path("uid").asText())
                    .put("creationTimestamp", old.path("metadata").path("creationTimestamp").asText());
        }
        lease.putObject("spec").put("holderIdentity", identity).put("leaseDurationSeconds", TTL_SECONDS)
                .put("acquireTime", MICRO_TIME.format(acquired)).put("renewTime", now).put("leaseTransitions", transitions);
        return lease;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(3, TimeUnit.SECONDS);
            if (leaseId != 0) {
                // hand over at once instead of after the TTL
                client.getLeaseClient().revoke(leaseId).get(2, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.fine("revoking the leader lease: " + e);
        } finally {
            leader = false;
            client.close();
        }
    }
}
