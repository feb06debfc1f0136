package io.meshlane.control.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The distributed engine: etcd v3 through jetcd. Revisions are etcd's own, so several
 * control-plane replicas sharing one etcd see one history and watch each other's writes.
 */
public final class EtcdStore implements ResourceStore {

    private static final long TIMEOUT_SECONDS = 15;
    /** A write a majority does not commit within this is answered as quorum lost (etcd's own request timeout is 7 s). */
    private static final long WRITE_TIMEOUT_SECONDS = 5;
    /** How long reads go straight to this replica's member after a linearizable read failed. */
    private static final long DEGRADED_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Client client;
    private final KV kv;
    private final String endpoints;
    private final List<String> endpointList;
    private volatile long degradedUntil;

    public EtcdStore(List<String> endpoints) {
        this.endpoints = String.join(",", endpoints);
        this.endpointList = List.copyOf(endpoints);
        this.client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
        this.kv = client.getKVClient();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new StoreException(what + " failed at etcd " + endpoints + ": " + e.getCause().getMessage()
                    + " (check that etcd is running and reachable)", e.getCause());
        } catch (TimeoutException e) {
            throw new StoreException(what + " got no answer from etcd " + endpoints + " within "
                    + TIMEOUT_SECONDS + "s (check that etcd is running and has a leader)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(what + " was interrupted");
        }
    }

    /**
     * A write: one that etcd does not commit in time is a 503 that says why — when no reachable member
     * has a leader, the cluster lost its quorum, and only bringing a majority back helps.
     */
    private <T> T write(CompletableFuture<T> future, String what) {
        try {
            return future.get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            future.cancel(true);
            String cause = e instanceof TimeoutException ? "no commit within " + WRITE_TIMEOUT_SECONDS + " s" : e.getCause().getMessage();
            throw new StoreException(what + " failed at etcd " + endpoints + " (" + cause + "): " + quorum(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(what + " was interrupted");
        }
    }

    private String quorum() {
        int reachable = 0;
        boolean leader = false;
        for (String endpoint : endpointList) {
            try {
                var status = client.getMaintenanceClient().statusMember(endpoint).get(1, TimeUnit.SECONDS);
                reachable++;
                leader |= status.getLeader() != 0;
            } catch (Exception e) {
                // down or unreachable
            }
        }
        if (!leader) {
            return "etcd quorum lost: " + reachable + " of " + endpointList.size() + " members reachable and none has a leader;"
                    + " writes fail until a majority of the etcd members run again (start the stopped ones);"
                    + " reads keep answering from the members still up, and writes resume by themselves once a leader is elected";
        }
        return reachable + " of " + endpointList.size() + " etcd members reachable and a leader elected: retry the request";
    }

    /**
     * A read: linearizable while the cluster has a quorum; when that fails (quorum lost), served by the
     * member this client reaches from its own copy, which may lag but keeps the API readable.
     */
    private GetResponse read(ByteSequence key, GetOption option, String what) {
        if (System.nanoTime() < degradedUntil) {
            return serializable(key, option, what);
        }
        try {
            return kv.get(key, option).get(3, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            degradedUntil = System.nanoTime() + DEGRADED_NANOS;
            return serializable(key, option, what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(what + " was interrupted");
        }
    }

    /** A read at an old revision: etcd's own MVCC keeps it until compaction, and then says so. */
    private GetResponse readAt(ByteSequence key, GetOption option, long revision, String what) {
        try {
            return kv.get(key, option).get(3, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof io.etcd.jetcd.common.exception.CompactedException c) {
                throw new CompactedException(revision, c.getCompactedRevision());
            }
            if (String.valueOf(e.getCause().getMessage()).contains("required revision has been compacted")) {
                throw new CompactedException(revision, revision); // a range read's answer does not say where history starts
            }
            throw new StoreException(what + " at revision " + revision + " failed at etcd " + endpoints + ": " + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new StoreException(what + " at revision " + revision + " timed out at etcd " + endpoints, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(what + " was interrupted");
        }
    }

    private GetResponse serializable(ByteSequence key, GetOption option, String what) {
        GetOption.Builder local = GetOption.builder().withSortField(option.getSortField()).withSortOrder(option.getSortOrder())
                .withLimit(option.getLimit()).withSerializable(true);
        option.getEndKey().ifPresent(local::withRange);
        return await(kv.get(key, local.build()), what + " (from the local etcd member)");
    }

    @Override
    public StoredObject create(String key, byte[] value) {
        ByteSequence k = bytes(key);
        TxnResponse r = write(kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT))
                .commit(), "create " + key);
        if (!r.isSucceeded()) {
            throw new KeyExistsException(key);
        }
        long rev = r.getHeader().getRevision();
        return new StoredObject(key, value, rev, rev);
    }

    private Cmp precondition(ByteSequence k, long expected) {
        return expected == 0
                ? new Cmp(k, Cmp.Op.GREATER, CmpTarget.createRevision(0))
                : new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expected));
    }

    private StoreException failedPrecondition(String key, long expected, TxnResponse r) {
        List<KeyValue> now = r.getGetResponses().isEmpty() ? List.of() : r.getGetResponses().getFirst().getKvs();
        if (now.isEmpty()) {
            return new KeyNotFoundException(key);
        }
        return new RevisionConflictException(key, expected, now.getFirst().getModRevision());
    }

    @Override
    public StoredObject update(String key, byte[] value, long expectedModRevision) {
        ByteSequence k = bytes(key);
        TxnResponse r = write(kv.txn()
                .If(precondition(k, expectedModRevision))
                .Then(Op.put(k, ByteSequence.from(value), PutOption.builder().withPrevKV().build()))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit(), "update " + key);
        if (!r.isSucceeded()) {
            throw failedPrecondition(key, expectedModRevision, r);
        }
        long created = r.getPutResponses().getFirst().getPrevKv().getCreateRevision();
        return new StoredObject(key, value, created, r.getHeader().getRevision());
    }

    @Override
    public StoredObject delete(String key, long expectedModRevision) {
        ByteSequence k = bytes(key);
        TxnResponse r = write(kv.txn()
                .If(precondition(k, expectedModRevision))
                .Then(Op.delete(k, DeleteOption.builder().withPrevKV(true).build()))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit(), "delete " + key);
        if (!r.isSucceeded()) {
            throw failedPrecondition(key, expectedModRevision, r);
        }
        KeyValue previous = r.getDeleteResponses().getFirst().getPrevKvs().getFirst();
        return new StoredObject(key, previous.getValue().getBytes(), previous.getCreateRevision(), r.getHeader().getRevision());
    }

    @Override
    public Optional<StoredObject> get(String key) {
        GetResponse r = read(bytes(key), GetOption.DEFAULT, "get " + key);
        return r.getKvs().stream().findFirst().map(EtcdStore::stored);
    }

    private static StoredObject stored(KeyValue kv) {
        return new StoredObject(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(),
                kv.getCreateRevision(), kv.getModRevision());
    }

    @Override
    public Page list(String prefix, String startAfter, int limit, long revision) {
        String start = startAfter == null || startAfter.compareTo(prefix) < 0 ? prefix : startAfter + "\0";
        GetOption.Builder option = GetOption.builder()
                .withRange(bytes(new KeyRange(prefix).end()))
                .withSortField(GetOption.SortTarget.KEY)
                .withSortOrder(GetOption.SortOrder.ASCEND);
        if (limit > 0) {
            option.withLimit(limit + 1L);
        }
        GetResponse r = revision > 0 ? readAt(bytes(start), option.withRevision(revision).build(), revision, "list " + prefix)
                : read(bytes(start), option.build(), "list " + prefix);
        List<StoredObject> items = new ArrayList<>();
        for (KeyValue kv : r.getKvs()) {
            if (limit > 0 && items.size() == limit) {
                break;
            }
            items.add(stored(kv));
        }
        boolean more = limit > 0 && r.getKvs().size() > limit;
        return new Page(items, revision > 0 ? revision : r.getHeader().getRevision(), more);
    }

    @Override
    public WatchHandle watch(String prefix, long afterRevision, StoreWatcher watcher) {
        WatchOption option = WatchOption.builder()
                .isPrefix(true)
                .withPrevKV(true)
                .withRevision(afterRevision + 1)
                .build();
        Watch.Watcher w = client.getWatchClient().watch(bytes(prefix), option, Watch.listener(
                response -> deliver(response, watcher),
                error -> watcher.onClosed(translate(afterRevision, error)),
                () -> watcher.onClosed(new StoreException("etcd " + endpoints + " ended the watch on " + prefix))));
        return w::close;
    }

    private static void deliver(WatchResponse response, StoreWatcher watcher) {
        for (WatchEvent event : response.getEvents()) {
            KeyValue kv = event.getKeyValue();
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            if (event.getEventType() == WatchEvent.EventType.DELETE) {
                KeyValue prev = event.getPrevKV();
                watcher.onEvent(new StoreEvent(StoreEvent.Type.DELETED, key, prev.getValue().getBytes(),
                        prev.getCreateRevision(), kv.getModRevision(), prev.getValue().getBytes()));
            } else if (event.getEventType() == WatchEvent.EventType.PUT) {
                StoreEvent.Type type = kv.getVersion() == 1 ? StoreEvent.Type.CREATED : StoreEvent.Type.UPDATED;
                KeyValue prev = event.getPrevKV();
                byte[] before = prev == null || prev.getValue().isEmpty() ? null : prev.getValue().getBytes();
                watcher.onEvent(new StoreEvent(type, key, kv.getValue().getBytes(), kv.getCreateRevision(), kv.getModRevision(), before));
            }
        }
    }

    private StoreException translate(long afterRevision, Throwable error) {
        if (error instanceof io.etcd.jetcd.common.exception.CompactedException c) {
            return new CompactedException(afterRevision, c.getCompactedRevision());
        }
        return new StoreException("watch at etcd " + endpoints + " failed: " + error.getMessage(), error);
    }

    @Override
    public long revision() {
        return read(bytes("/meshlane/revision-probe"), GetOption.DEFAULT, "read the revision").getHeader().getRevision();
    }

    @Override
    public void compact(long revision) {
        try {
            await(kv.compact(revision), "compact to " + revision);
        } catch (StoreException e) {
            if (!String.valueOf(e.getMessage()).contains("compacted")) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
