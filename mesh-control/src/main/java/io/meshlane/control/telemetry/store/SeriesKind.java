package io.meshlane.control.telemetry.store;

/** What an aggregate series describes. */
public enum SeriesKind {
    /** Requests served by a service (destination = the service, workload ""). */
    SERVICE,
    /** Requests served by one workload of a service (destination = the full peer). */
    WORKLOAD,
    /** Calls from one service to another (both peers at service level). */
    EDGE,
    /** Calls from one workload to another. */
    WORKLOAD_EDGE,
    /** Requests served by one operation (HTTP route or span name) of a service. */
    ENDPOINT
}
