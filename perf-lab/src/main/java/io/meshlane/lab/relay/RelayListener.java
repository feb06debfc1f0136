package io.meshlane.lab.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

/**
 * One listening port of the sidecar and how it picks the upstream from the original destination.
 *
 * @param name  "outbound" or "inbound" (for logs)
 * @param port  the port it listens on (0.0.0.0)
 * @param route original destination → upstream address
 * @param transparent whether the socket is IP_TRANSPARENT (needs CAP_NET_ADMIN): the inbound one is
 */
public record RelayListener(String name, int port, UnaryOperator<InetSocketAddress> route, boolean transparent) {
    public static final int OUTBOUND_PORT = 15001;
    public static final int INBOUND_PORT = 15006;
    public static final String OUTBOUND = "outbound";
    public static final String INBOUND = "inbound";

    /** Istio's outbound listener: forward to where the application wanted to go. */
    public static RelayListener outbound(int port) {
        return new RelayListener(OUTBOUND, port, original -> original, false);
    }

    /** Istio's inbound listener: deliver to the application on the pod's loopback, same port. */
    public static RelayListener inbound(int port) {
        return new RelayListener(INBOUND, port,
                original -> new InetSocketAddress(InetAddress.getLoopbackAddress(), original.getPort()), true);
    }
}
