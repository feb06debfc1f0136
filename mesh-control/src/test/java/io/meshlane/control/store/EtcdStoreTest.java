package io.meshlane.control.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshlane.control.testing.EtcdServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EtcdStoreTest extends StoreContract {

    private static EtcdServer etcd;

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    @Override
    protected ResourceStore open() {
        return new EtcdStore(List.of(etcd.endpoint()));
    }

    @Test
    void aSecondReplicaSeesTheFirstOnesWrites() throws Exception {
        try (ResourceStore replica = new EtcdStore(List.of(etcd.endpoint()))) {
            Recorder recorder = new Recorder();
            try (WatchHandle ignored = replica.watch(root, replica.revision(), recorder)) {
                StoredObject written = store.create(root + "shared", b("from replica one"));
                assertEquals(written.modRevision(), recorder.next().revision());
                assertEquals(written.modRevision(), replica.get(root + "shared").orElseThrow().modRevision());
            }
        }
    }
}
