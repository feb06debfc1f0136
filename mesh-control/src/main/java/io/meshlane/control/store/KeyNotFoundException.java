package io.meshlane.control.store;

public final class KeyNotFoundException extends StoreException {
    public KeyNotFoundException(String key) {
        super("key " + key + " does not exist");
    }
}
