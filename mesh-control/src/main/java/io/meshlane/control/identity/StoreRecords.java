package io.meshlane.control.identity;

import io.meshlane.control.store.KeyExistsException;
import io.meshlane.control.store.KeyNotFoundException;
import io.meshlane.control.store.ResourceStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** Records as keys under a prefix of the shared store, outside every prefix the Kubernetes API serves. */
final class StoreRecords implements Records {

    private final ResourceStore store;
    private final String prefix;

    StoreRecords(ResourceStore store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    @Override
    public void put(String name, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        try {
            store.create(prefix + name, bytes);
        } catch (KeyExistsException e) {
            store.update(prefix + name, bytes, 0);
        }
    }

    @Override
    public Optional<String> get(String name) {
        return store.get(prefix + name).map(o -> new String(o.value(), StandardCharsets.UTF_8));
    }

    @Override
    public boolean delete(String name) {
        try {
            store.delete(prefix + name, 0);
            return true;
        } catch (KeyNotFoundException e) {
            return false;
        }
    }

    @Override
    public List<String> names() {
        return store.list(prefix, null, 0).items().stream().map(o -> o.key().substring(prefix.length())).toList();
    }

    @Override
    public String where() {
        return "the shared store under " + prefix;
    }
}
