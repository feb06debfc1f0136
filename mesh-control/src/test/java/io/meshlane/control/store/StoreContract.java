package io.meshlane.control.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link ResourceStore} engine promises; run against each engine by a subclass. */
abstract class StoreContract {

    protected ResourceStore store;
    protected String root;

    protected abstract ResourceStore open() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
        root = "/test/" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    /** Collects a watch's events and its end. */
    static final class Recorder implements StoreWatcher {
        final BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
        final BlockingQueue<StoreException> closed = new LinkedBlockingQueue<>();

        @Override
        public void onEvent(StoreEvent event) {
            events.add(event);
        }

        @Override
        public void onClosed(StoreException reason) {
            closed.add(reason);
        }

        StoreEvent next() throws InterruptedException {
            StoreEvent e = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(e, "no watch event within 10s");
            return e;
        }
    }

    @Test
    void createThenGetReturnsTheValueAtItsRevision() {
        StoredObject created = store.create(root + "a", b("one"));
        StoredObject read = store.get(root + "a").orElseThrow();
        assertArrayEquals(b("one"), read.value());
        assertEquals(created.modRevision(), read.modRevision());
        assertEquals(created.createRevision(), read.createRevision());
        assertTrue(store.get(root + "missing").isEmpty());
    }

    @Test
    void creatingAnExistingKeyFailsAndKeepsTheOldValue() {
        store.create(root + "a", b("one"));
        assertThrows(KeyExistsException.class, () -> store.create(root + "a", b("two")));
        assertArrayEquals(b("one"), store.get(root + "a").orElseThrow().value());
    }

    @Test
    void everyWriteGetsAHigherRevision() {
        long before = store.revision();
        StoredObject a = store.create(root + "a", b("1"));
        StoredObject b2 = store.update(root + "a", b("2"), a.modRevision());
        StoredObject c = store.create(root + "c", b("3"));
        StoredObject d = store.delete(root + "c", 0);
        assertTrue(a.modRevision() > before);
        assertTrue(b2.modRevision() > a.modRevision());
        assertTrue(c.modRevision() > b2.modRevision());
        assertTrue(d.modRevision() > c.modRevision());
        assertEquals(a.createRevision(), b2.createRevision(), "an update keeps the create revision");
        assertTrue(store.revision() >= d.modRevision());
    }

    @Test
    void updateWithAStaleRevisionConflictsAndChangesNothing() {
        StoredObject a = store.create(root + "a", b("1"));
        store.update(root + "a", b("2"), a.modRevision());
        RevisionConflictException e = assertThrows(RevisionConflictException.class, () -> store.update(root + "a", b("3"), a.modRevision()));
        assertTrue(e.currentRevision() > a.modRevision());
        assertArrayEquals(b("2"), store.get(root + "a").orElseThrow().value());
        assertThrows(KeyNotFoundException.class, () -> store.update(root + "nope", b("x"), 0));
    }

    @Test
    void deleteReturnsTheLastValueAndHonoursItsPrecondition() {
        StoredObject a = store.create(root + "a", b("last"));
        assertThrows(RevisionConflictException.class, () -> store.delete(root + "a", a.modRevision() + 1000));
        StoredObject deleted = store.delete(root + "a", a.modRevision());
        assertArrayEquals(b("last"), deleted.value());
        assertTrue(store.get(root + "a").isEmpty());
        assertThrows(KeyNotFoundException.class, () -> store.delete(root + "a", 0));
    }

    @Test
    void listPagesThroughAPrefixInKeyOrder() {
        for (String k : List.of("c", "a", "e", "b", "d")) {
            store.create(root + "x/" + k, b(k));
        }
        store.create(root + "y/other", b("no"));
        Page first = store.list(root + "x/", null, 2);
        assertEquals(List.of("a", "b"), names(first));
        assertTrue(first.more());
        Page second = store.list(root + "x/", first.items().getLast().key(), 2);
        assertEquals(List.of("c", "d"), names(second));
        Page last = store.list(root + "x/", second.items().getLast().key(), 2);
        assertEquals(List.of("e"), names(last));
        assertFalse(last.more());
        assertEquals(5, store.list(root + "x/", null, 0).items().size());
        assertTrue(first.revision() >= first.items().getLast().modRevision());
    }

    @Test
    void listAtAnOldRevisionSeesThatSnapshotUntilItIsCompacted() {
        StoredObject a = store.create(root + "x/a", b("a1"));
        store.create(root + "x/b", b("b1"));
        StoredObject c = store.create(root + "x/c", b("c1"));
        long snapshot = c.modRevision();
        store.update(root + "x/a", b("a2"), a.modRevision());
        store.delete(root + "x/b", 0);
        store.create(root + "x/d", b("d1"));
        Page first = store.list(root + "x/", null, 2, snapshot);
        assertEquals(List.of("a1", "b1"), names(first));
        assertEquals(a.modRevision(), first.items().getFirst().modRevision(), "objects keep the resourceVersion they had then");
        assertEquals(snapshot, first.revision());
        assertTrue(first.more());
        Page rest = store.list(root + "x/", first.items().getLast().key(), 2, snapshot);
        assertEquals(List.of("c1"), names(rest));
        assertFalse(rest.more());
        assertEquals(List.of("a2", "c1", "d1"), names(store.list(root + "x/", null, 0)));
        store.compact(store.revision());
        assertThrows(CompactedException.class, () -> store.list(root + "x/", null, 2, snapshot));
    }

    private List<String> names(Page page) {
        List<String> out = new ArrayList<>();
        page.items().forEach(o -> out.add(new String(o.value(), UTF_8)));
        return out;
    }

    @Test
    void watchReplaysHistoryFromARevisionThenFollowsLiveChanges() throws Exception {
        StoredObject a = store.create(root + "a", b("1"));
        StoredObject a2 = store.update(root + "a", b("2"), a.modRevision());
        store.create("/elsewhere/" + UUID.randomUUID(), b("not watched"));
        Recorder recorder = new Recorder();
        try (WatchHandle ignored = store.watch(root, a.modRevision(), recorder)) {
            StoreEvent replayed = recorder.next();
            assertEquals(StoreEvent.Type.UPDATED, replayed.type());
            assertEquals(a2.modRevision(), replayed.revision());
            assertArrayEquals(b("1"), replayed.prevValue(), "an update event carries the value it replaced");
            StoredObject b1 = store.create(root + "b", b("new"));
            StoreEvent created = recorder.next();
            assertEquals(StoreEvent.Type.CREATED, created.type());
            assertEquals(b1.modRevision(), created.revision());
            assertArrayEquals(b("new"), created.value());
            StoredObject gone = store.delete(root + "a", 0);
            StoreEvent deleted = recorder.next();
            assertEquals(StoreEvent.Type.DELETED, deleted.type());
            assertEquals(gone.modRevision(), deleted.revision());
            assertArrayEquals(b("2"), deleted.value(), "a delete event carries the last value");
        }
        assertTrue(recorder.events.isEmpty(), "no events outside the prefix: " + recorder.events);
    }

    @Test
    void watchingCompactedHistoryFailsWithCompacted() throws Exception {
        StoredObject a = store.create(root + "a", b("1"));
        StoredObject a2 = store.update(root + "a", b("2"), a.modRevision());
        store.update(root + "a", b("3"), a2.modRevision());
        store.compact(a2.modRevision());
        Recorder recorder = new Recorder();
        try {
            WatchHandle handle = store.watch(root, a.modRevision() - 1, recorder);
            StoreException reason = recorder.closed.poll(10, TimeUnit.SECONDS);
            handle.close();
            assertTrue(reason instanceof CompactedException, "expected a compaction error, got " + reason);
        } catch (CompactedException expected) {
            assertTrue(expected.compactedRevision() >= a2.modRevision() - 1);
        }
        Recorder fromCompaction = new Recorder();
        try (WatchHandle ignored = store.watch(root, a2.modRevision(), fromCompaction)) {
            assertArrayEquals(b("3"), fromCompaction.next().value(), "history after the compaction point is kept");
        }
    }

    @Test
    void concurrentWritersAllSucceedWithDistinctRevisions() throws Exception {
        int writers = 8;
        int each = 25;
        List<Long> revisions = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    revisions.add(store.create(root + "w" + id + "-" + i, b("v")).modRevision());
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(writers * each, revisions.size());
        assertEquals(writers * each, revisions.stream().distinct().count());
        assertEquals(writers * each, store.list(root, null, 0).items().size());
    }
}
