package io.meshlane.control.xds;

/** Counters of a running ADS server. */
record XdsStats(int connectedStreams, long responses, long acks, long nacks, long refusedNodes, long rejectedConfigs) {
}
