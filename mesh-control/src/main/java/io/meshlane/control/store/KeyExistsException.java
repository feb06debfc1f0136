package io.meshlane.control.store;

public final class KeyExistsException extends StoreException {
    public KeyExistsException(String key) {
        super("key " + key + " already exists");
    }
}
