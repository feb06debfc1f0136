package io.meshlane.control.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers a test starts itself and must name up front (a child process, a restart on the same port).
 *
 * <p>They come from below the kernel's ephemeral range (32768 and up): a port the kernel handed out with
 * {@code bind(0)} can be handed out again to any outgoing connection or {@code :0} server the moment it is
 * released, which made a restart on "the same free port" fail with "Address already in use" now and then.
 */
public final class FreePorts {
    private static final int FIRST = 20000;
    private static final int LAST = 32000;

    private FreePorts() {
    }

    public static int pick() {
        IOException last = null;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(FIRST, LAST);
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return probe.getLocalPort();
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("no free loopback port between " + FIRST + " and " + LAST, last);
    }
}
