package io.meshlane.control.server;

/** Which storage engine backs the control plane. */
public enum StoreKind {
    /** SQLite in {@code <data-dir>/store}: one process, one directory. */
    EMBEDDED,
    /** etcd v3, shared by several control-plane replicas. */
    ETCD
}
