package io.meshlane.control.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SqliteStoreTest extends StoreContract {

    private Path dir;

    @Override
    protected ResourceStore open() throws Exception {
        dir = Files.createTempDirectory("meshlane-sqlite");
        return SqliteStore.open(dir);
    }

    @AfterEach
    void removeDir() {
        TempDirs.delete(dir);
    }

    @Test
    void reopeningKeepsValuesRevisionAndHistory() {
        StoredObject a = store.create(root + "a", b("kept"));
        long revision = store.revision();
        store.close();
        store = SqliteStore.open(dir);
        assertArrayEquals(b("kept"), store.get(root + "a").orElseThrow().value());
        assertEquals(revision, store.revision());
        StoredObject next = store.create(root + "b", b("after"));
        assertTrue(next.modRevision() > a.modRevision(), "revisions keep growing across restarts");
    }
}
