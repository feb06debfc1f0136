package io.meshlane.control.xds;

/**
 * Where the xDS server reads the hosted configuration from. {@link StoreConfigSource} reads the
 * control plane's store (list + watch), the one the public {@link XdsServer#start(XdsOptions,
 * io.meshlane.control.store.ResourceStore, io.meshlane.control.registry.ServiceRegistry)} uses; tests in this
 * package may feed parsed objects through the same seam.
 */
interface ConfigSource extends AutoCloseable {
    void start(ConfigListener listener);

    @Override
    void close();
}
