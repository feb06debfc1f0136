package io.meshlane.control.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The embedded engine: one SQLite database (WAL, synchronous=FULL) in one directory.
 * Writes go through a single writer thread that commits them in groups, so a burst of
 * concurrent writes costs one fsync; a write is acknowledged only after its group committed.
 * Table {@code kv} holds current values, {@code events} the history that watches replay
 * until compaction removes it.
 */
public final class SqliteStore implements ResourceStore {

    private static final int READERS = 4;
    private static final int MAX_GROUP = 512;

    private final Path file;
    private final Connection writer;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private final BlockingQueue<SqliteWrite> queue = new LinkedBlockingQueue<>();
    private final WatcherSet watchers = new WatcherSet();
    private final Object publishLock = new Object();
    private final Thread writerThread;
    private volatile long revision;
    private volatile long compacted;
    private volatile boolean closed;

    public static SqliteStore open(Path directory) {
        try {
            Files.createDirectories(directory);
            return new SqliteStore(directory.resolve("store.db"));
        } catch (Exception e) {
            throw new StoreException("cannot open the embedded store in " + directory
                    + ": " + e.getMessage() + " (check that the directory is writable and not used by another process)", e);
        }
    }

    private SqliteStore(Path file) throws SQLException {
        this.file = file;
        this.writer = connect();
        try (Statement s = writer.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL,"
                    + " create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS events (rev INTEGER PRIMARY KEY, key TEXT NOT NULL,"
                    + " type INTEGER NOT NULL, value BLOB NOT NULL, create_rev INTEGER NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            addPreviousValueColumns(s);
            s.execute("INSERT OR IGNORE INTO meta VALUES ('revision', 0), ('compacted', 0)");
        }
        this.revision = meta("revision");
        this.compacted = meta("compacted");
        writer.setAutoCommit(false);
        for (int i = 0; i < READERS; i++) {
            readers.add(connect());
        }
        this.writerThread = Thread.ofPlatform().name("sqlite-store-writer").daemon().start(this::writeLoop);
    }

    /** Stores made before events kept the replaced value gain the columns; their older events just lack it. */
    private static void addPreviousValueColumns(Statement s) throws SQLException {
        boolean present = false;
        try (ResultSet r = s.executeQuery("PRAGMA table_info(events)")) {
            while (r.next()) {
                present |= r.getString("name").equals("prev");
            }
        }
        if (!present) {
            s.execute("ALTER TABLE events ADD COLUMN prev BLOB");
            s.execute("ALTER TABLE events ADD COLUMN prev_rev INTEGER NOT NULL DEFAULT 0");
        }
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA busy_timeout=10000");
        }
        return c;
    }

    private long meta(String name) throws SQLException {
        try (PreparedStatement p = writer.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            p.setString(1, name);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    @Override
    public StoredObject create(String key, byte[] value) {
        return submit(new SqliteWrite.Create(key, value));
    }

    @Override
    public StoredObject update(String key, byte[] value, long expectedModRevision) {
        return submit(new SqliteWrite.Update(key, value, expectedModRevision));
    }

    @Override
    public StoredObject delete(String key, long expectedModRevision) {
        return submit(new SqliteWrite.Delete(key, expectedModRevision));
    }

    @Override
    public void compact(long upTo) {
        submit(new SqliteWrite.Compact(upTo));
    }

    private StoredObject submit(SqliteWrite write) {
        if (closed) {
            throw new StoreException("the embedded store " + file + " is closed");
        }
        queue.add(write);
        try {
            return write.result().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("write to " + write.key() + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while writing " + write.key());
        }
    }

    private void writeLoop() {
        List<SqliteWrite> group = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                SqliteWrite first = queue.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.clear();
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                commitGroup(group);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void commitGroup(List<SqliteWrite> group) {
        long base = revision;
        SqliteBatch batch = new SqliteBatch(writer, base, compacted);
        List<Object> outcomes = new ArrayList<>(group.size());
        try {
            for (SqliteWrite write : group) {
                try {
                    outcomes.add(batch.apply(write));
                } catch (StoreException e) {
                    outcomes.add(e);
                }
            }
            batch.finish();
            writer.commit();
        } catch (SQLException e) {
            try {
                writer.rollback();
            } catch (SQLException ignored) {
                // the connection is broken; every write of the group fails below
            }
            StoreException failure = new StoreException("the embedded store " + file + " could not commit: " + e.getMessage(), e);
            group.forEach(w -> w.result().completeExceptionally(failure));
            return;
        }
        synchronized (publishLock) {
            revision = batch.revision();
            compacted = batch.compacted();
            watchers.publish(batch.events());
        }
        for (int i = 0; i < group.size(); i++) {
            Object outcome = outcomes.get(i);
            CompletableFuture<StoredObject> result = group.get(i).result();
            if (outcome instanceof StoreException e) {
                result.completeExceptionally(e);
            } else {
                result.complete((StoredObject) outcome);
            }
        }
    }

    @Override
    public Optional<StoredObject> get(String key) {
        return read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT value, create_rev, mod_rev FROM kv WHERE key = ?")) {
                p.setString(1, key);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() ? Optional.of(new StoredObject(key, r.getBytes(1), r.getLong(2), r.getLong(3))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Page list(String prefix, String startAfter, int limit, long revision) {
        KeyRange range = new KeyRange(prefix);
        int max = limit <= 0 ? Integer.MAX_VALUE : limit;
        String after = startAfter == null ? "" : startAfter;
        return read(c -> {
            c.setAutoCommit(false);
            try {
                long at = metaIn(c, "revision");
                boolean past = revision > 0 && revision < at;
                if (past && revision < metaIn(c, "compacted")) {
                    throw new CompactedException(revision, metaIn(c, "compacted"));
                }
                long snapshot = past ? revision : at;
                // rows unchanged since the snapshot are as they were; the others are rebuilt from the history
                java.util.TreeMap<String, StoredObject> items = new java.util.TreeMap<>();
                boolean more = false;
                try (PreparedStatement p = c.prepareStatement("SELECT key, value, create_rev, mod_rev FROM kv"
                        + " WHERE key >= ? AND key < ? AND key > ? AND mod_rev <= ? ORDER BY key LIMIT ?")) {
                    p.setString(1, prefix);
                    p.setString(2, range.end());
                    p.setString(3, after);
                    p.setLong(4, snapshot);
                    p.setLong(5, max == Integer.MAX_VALUE ? -1 : (long) max + 1);
                    try (ResultSet r = p.executeQuery()) {
                        while (r.next()) {
                            items.put(r.getString(1), new StoredObject(r.getString(1), r.getBytes(2), r.getLong(3), r.getLong(4)));
                        }
                    }
                }
                if (past) {
                    asTheyWere(c, prefix, range.end(), after, snapshot, items);
                }
                while (items.size() > max) {
                    items.pollLastEntry();
                    more = true;
                }
                return new Page(new ArrayList<>(items.values()), snapshot, more);
            } finally {
                c.commit();
                c.setAutoCommit(true);
            }
        });
    }

    private static long metaIn(Connection c, String name) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            p.setString(1, name);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    /**
     * Adds the keys that changed after {@code snapshot} as they were then: the first later event of
     * each key holds the value it replaced (a create means the key did not exist yet).
     */
    private static void asTheyWere(Connection c, String prefix, String end, String after, long snapshot,
                                   java.util.Map<String, StoredObject> items) throws SQLException {
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (PreparedStatement p = c.prepareStatement("SELECT key, type, prev, create_rev, prev_rev FROM events"
                + " WHERE rev > ? AND key >= ? AND key < ? AND key > ? ORDER BY rev")) {
            p.setLong(1, snapshot);
            p.setString(2, prefix);
            p.setString(3, end);
            p.setString(4, after);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    String key = r.getString(1);
                    if (!seen.add(key) || r.getInt(2) == StoreEvent.Type.CREATED.ordinal()) {
                        continue;
                    }
                    byte[] prev = r.getBytes(3);
                    if (prev == null) {
                        throw new CompactedException(snapshot, snapshot);
                    }
                    items.put(key, new StoredObject(key, prev, r.getLong(4), r.getLong(5)));
                }
            }
        }
    }

    @Override
    public WatchHandle watch(String prefix, long afterRevision, StoreWatcher watcher) {
        KeyRange range = new KeyRange(prefix);
        synchronized (publishLock) {
            if (afterRevision < compacted) {
                throw new CompactedException(afterRevision, compacted);
            }
            List<StoreEvent> history = afterRevision >= revision ? List.of() : read(c -> {
                List<StoreEvent> events = new ArrayList<>();
                try (PreparedStatement p = c.prepareStatement("SELECT rev, key, type, value, create_rev, prev FROM events"
                        + " WHERE rev > ? AND key >= ? AND key < ? ORDER BY rev")) {
                    p.setLong(1, afterRevision);
                    p.setString(2, prefix);
                    p.setString(3, range.end());
                    try (ResultSet r = p.executeQuery()) {
                        while (r.next()) {
                            events.add(new StoreEvent(StoreEvent.Type.values()[r.getInt(3)], r.getString(2),
                                    r.getBytes(4), r.getLong(5), r.getLong(1), r.getBytes(6)));
                        }
                    }
                }
                return events;
            });
            return watchers.register(prefix, afterRevision, watcher, history);
        }
    }

    @Override
    public long revision() {
        return revision;
    }

    private interface Query<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(Query<T> query) {
        Connection c;
        try {
            c = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting to read " + file);
        }
        try {
            return query.run(c);
        } catch (SQLException e) {
            throw new StoreException("reading the embedded store " + file + " failed: " + e.getMessage(), e);
        } finally {
            readers.add(c);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writerThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watchers.closeAll(new StoreException("the embedded store " + file + " was closed"));
        try {
            writer.close();
            for (Connection c : readers) {
                c.close();
            }
        } catch (SQLException e) {
            throw new StoreException("closing " + file + " failed: " + e.getMessage(), e);
        }
    }
}
