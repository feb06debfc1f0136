package io.meshlane.control.xds;

/** Receives the hosted configuration: first every object, then {@link #synced()}, then changes in order. */
interface ConfigListener {
    void upsert(MeshObject object);

    void delete(String kind, String namespace, String name, long revision);

    /** The initial listing has been delivered. */
    void synced();
}
