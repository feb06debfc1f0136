package io.meshlane.control.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.testing.DroppingWatchStore;
import io.meshlane.control.testing.EtcdServer;
import io.meshlane.control.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The informer over both real engines: list, watch, list again after the watch ends, deliver off the store's threads. */
class StoreInformerTest {

    enum Engine { EMBEDDED, ETCD }

    private static EtcdServer etcd;
    private Path dir;
    private DroppingWatchStore store;
    private StoreInformer informer;
    private final ExecutorService consumer = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("the-consumer").unstarted(r));
    private final String root = "/test/" + UUID.randomUUID() + "/";
    private final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
    private final List<String> threads = new ArrayList<>();

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    @AfterEach
    void closeAll() {
        if (informer != null) {
            informer.close();
        }
        consumer.shutdownNow();
        store.close();
        if (dir != null) {
            TempDirs.delete(dir);
        }
    }

    private void open(Engine engine) throws Exception {
        if (engine == Engine.EMBEDDED) {
            dir = Files.createTempDirectory("meshlane-informer");
            store = new DroppingWatchStore(SqliteStore.open(dir));
        } else {
            store = new DroppingWatchStore(new EtcdStore(List.of(etcd.endpoint())));
        }
    }

    private StoreInformer.Handler recorder(CountDownLatch gate) {
        return new StoreInformer.Handler() {
            @Override
            public void upsert(StoredObject object) {
                await(gate);
                record("upsert " + name(object.key()) + "=" + new String(object.value(), UTF_8));
            }

            @Override
            public void delete(String key, byte[] lastValue, long revision) {
                record("delete " + name(key) + " (was " + new String(lastValue, UTF_8) + ")");
            }

            @Override
            public void synced(long revision) {
                record("synced");
            }
        };
    }

    private void record(String call) {
        synchronized (threads) {
            threads.add(Thread.currentThread().getName());
        }
        calls.add(call);
    }

    private String name(String key) {
        return key.substring(root.length());
    }

    private String next() throws InterruptedException {
        String call = calls.poll(15, TimeUnit.SECONDS);
        assertNotNull(call, "no handler call within 15 s");
        return call;
    }

    /** The calls up to the next {@code synced}, as a set: a listing's order is not promised. */
    private Set<String> untilSynced() throws InterruptedException {
        Set<String> out = new TreeSet<>();
        for (String call = next(); !call.equals("synced"); call = next()) {
            out.add(call);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void listsThenFollowsChangesOnTheConsumersThread(Engine engine) throws Exception {
        open(engine);
        store.create(root + "a", "1".getBytes(UTF_8));
        store.create(root + "b", "1".getBytes(UTF_8));
        store.create("/elsewhere/" + UUID.randomUUID(), "not followed".getBytes(UTF_8));
        informer = StoreInformer.start(store, root, consumer, recorder(new CountDownLatch(0)));
        assertTrue(informer.awaitFirstSync(Duration.ofSeconds(15)));
        assertEquals(Set.of("upsert a=1", "upsert b=1"), untilSynced());

        store.update(root + "a", "2".getBytes(UTF_8), 0);
        store.delete(root + "b", 0);
        store.create(root + "c", "1".getBytes(UTF_8));
        assertEquals(List.of("upsert a=2", "delete b (was 1)", "upsert c=1"), List.of(next(), next(), next()));
        synchronized (threads) {
            assertEquals(Set.of("the-consumer"), Set.copyOf(threads), "every call runs on the consumer's executor");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void listsAgainWhenTheWatchEndsAndReportsWhatChangedMeanwhile(Engine engine) throws Exception {
        open(engine);
        store.create(root + "kept", "1".getBytes(UTF_8));
        store.create(root + "changed", "1".getBytes(UTF_8));
        store.create(root + "removed", "1".getBytes(UTF_8));
        informer = StoreInformer.start(store, root, consumer, recorder(new CountDownLatch(0)));
        assertEquals(3, untilSynced().size());
        waitForWatch();

        assertEquals(1, store.dropWatches());
        store.update(root + "changed", "2".getBytes(UTF_8), 0);
        store.delete(root + "removed", 0);
        store.create(root + "added", "1".getBytes(UTF_8));

        assertEquals(Set.of("upsert changed=2", "delete removed (was 1)", "upsert added=1"), untilSynced(),
                "the listing after the lost watch tells only what changed; an unchanged key is not repeated");
        waitForWatch();
        store.update(root + "kept", "2".getBytes(UTF_8), 0);
        assertEquals("upsert kept=2", next(), "the new watch follows live changes");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void recoversWhenItsRevisionIsCompactedBeforeTheWatchStarts(Engine engine) throws Exception {
        open(engine);
        store.create(root + "a", "1".getBytes(UTF_8));
        store.beforeNextWatch(() -> {
            store.update(root + "a", "2".getBytes(UTF_8), 0);
            store.create(root + "b", "1".getBytes(UTF_8));
            store.compact(store.revision());
        });
        informer = StoreInformer.start(store, root, consumer, recorder(new CountDownLatch(0)));
        assertEquals(Set.of("upsert a=1"), untilSynced());
        assertEquals(Set.of("upsert a=2", "upsert b=1"), untilSynced(), "the informer listed again past the compaction");
        waitForWatch();
        store.delete(root + "a", 0);
        assertEquals("delete a (was 2)", next());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aBlockedHandlerDoesNotHoldUpWrites(Engine engine) throws Exception {
        open(engine);
        CountDownLatch gate = new CountDownLatch(1);
        informer = StoreInformer.start(store, root, consumer, recorder(gate));
        assertEquals("synced", next());
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 20; i++) {
                store.create(root + "k" + i, "v".getBytes(UTF_8));
            }
        }, "writes hung while the handler was blocked: it runs on the store's publishing thread");
        gate.countDown();
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 20; i++) {
            seen.add(next());
        }
        assertEquals(20, seen.size(), seen.toString());
    }

    private void waitForWatch() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (store.liveWatches() == 0) {
            assertTrue(System.nanoTime() < deadline, "the informer did not watch again within 15 s");
            Thread.sleep(20);
        }
    }

    private static void await(CountDownLatch gate) {
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
