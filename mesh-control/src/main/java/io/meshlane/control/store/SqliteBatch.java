package io.meshlane.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Applies one group of writes inside the writer's open transaction, assigning revisions. */
final class SqliteBatch {

    private final Connection c;
    private final List<StoreEvent> events = new ArrayList<>();
    private long revision;
    private long compacted;

    SqliteBatch(Connection c, long revision, long compacted) {
        this.c = c;
        this.revision = revision;
        this.compacted = compacted;
    }

    StoredObject apply(SqliteWrite write) throws SQLException {
        return switch (write) {
            case SqliteWrite.Create w -> create(w);
            case SqliteWrite.Update w -> update(w);
            case SqliteWrite.Delete w -> delete(w);
            case SqliteWrite.Compact w -> compact(w);
        };
    }

    private StoredObject current(String key) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT value, create_rev, mod_rev FROM kv WHERE key = ?")) {
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? new StoredObject(key, r.getBytes(1), r.getLong(2), r.getLong(3)) : null;
            }
        }
    }

    private StoredObject create(SqliteWrite.Create w) throws SQLException {
        if (current(w.key()) != null) {
            throw new KeyExistsException(w.key());
        }
        long rev = ++revision;
        try (PreparedStatement p = c.prepareStatement("INSERT INTO kv VALUES (?, ?, ?, ?)")) {
            p.setString(1, w.key());
            p.setBytes(2, w.value());
            p.setLong(3, rev);
            p.setLong(4, rev);
            p.executeUpdate();
        }
        return record(StoreEvent.Type.CREATED, w.key(), w.value(), rev, rev, null);
    }

    private StoredObject checked(String key, long expected) throws SQLException {
        StoredObject now = current(key);
        if (now == null) {
            throw new KeyNotFoundException(key);
        }
        if (expected != 0 && now.modRevision() != expected) {
            throw new RevisionConflictException(key, expected, now.modRevision());
        }
        return now;
    }

    private StoredObject update(SqliteWrite.Update w) throws SQLException {
        StoredObject now = checked(w.key(), w.expected());
        long rev = ++revision;
        try (PreparedStatement p = c.prepareStatement("UPDATE kv SET value = ?, mod_rev = ? WHERE key = ?")) {
            p.setBytes(1, w.value());
            p.setLong(2, rev);
            p.setString(3, w.key());
            p.executeUpdate();
        }
        return record(StoreEvent.Type.UPDATED, w.key(), w.value(), now.createRevision(), rev, now);
    }

    private StoredObject delete(SqliteWrite.Delete w) throws SQLException {
        StoredObject now = checked(w.key(), w.expected());
        long rev = ++revision;
        try (PreparedStatement p = c.prepareStatement("DELETE FROM kv WHERE key = ?")) {
            p.setString(1, w.key());
            p.executeUpdate();
        }
        return record(StoreEvent.Type.DELETED, w.key(), now.value(), now.createRevision(), rev, now);
    }

    private StoredObject compact(SqliteWrite.Compact w) throws SQLException {
        long upTo = Math.min(w.upTo(), revision);
        if (upTo > compacted) {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM events WHERE rev <= ?")) {
                p.setLong(1, upTo);
                p.executeUpdate();
            }
            compacted = upTo;
        }
        return null;
    }

    /** Records the change with the value it replaced ({@code before}, null for a create), for watches and snapshot lists. */
    private StoredObject record(StoreEvent.Type type, String key, byte[] value, long createRev, long rev, StoredObject before)
            throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO events (rev, key, type, value, create_rev, prev, prev_rev)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            p.setLong(1, rev);
            p.setString(2, key);
            p.setInt(3, type.ordinal());
            p.setBytes(4, value);
            p.setLong(5, createRev);
            p.setBytes(6, before == null ? null : before.value());
            p.setLong(7, before == null ? 0 : before.modRevision());
            p.executeUpdate();
        }
        events.add(new StoreEvent(type, key, value, createRev, rev, before == null ? null : before.value()));
        return new StoredObject(key, value, createRev, rev);
    }

    /** Records the group's final revision and compaction point in the same transaction. */
    void finish() throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE meta SET value = ? WHERE name = ?")) {
            p.setLong(1, revision);
            p.setString(2, "revision");
            p.addBatch();
            p.setLong(1, compacted);
            p.setString(2, "compacted");
            p.addBatch();
            p.executeBatch();
        }
    }

    long revision() {
        return revision;
    }

    long compacted() {
        return compacted;
    }

    List<StoreEvent> events() {
        return events;
    }
}
