package io.meshlane.control.telemetry.signals;

/** Deltas of Istio's istio_tcp_* counters for one source → destination pair since the last sample. */
public record TcpSample(Peer source, Peer destination, long connectionsOpened, long connectionsClosed, long sentBytes,
                        long receivedBytes, long epochMillis) {
}
