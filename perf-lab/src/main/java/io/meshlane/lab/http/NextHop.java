package io.meshlane.lab.http;

import java.net.URI;

/**
 * A service the HTTP app calls for every request it serves.
 *
 * @param url         what to GET
 * @param peerService the callee's canonical service (peer.service on the CLIENT span)
 */
public record NextHop(URI url, String peerService) {

    /** {@code <url>=<peer service>}, as the lab passes it with {@code --call}. */
    static NextHop parse(String arg) {
        int eq = arg.lastIndexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--call '" + arg + "' must be <url>=<peer service>");
        }
        URI url = URI.create(arg.substring(0, eq));
        if (!"http".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("--call '" + arg + "': '" + url + "' is not an http:// URL");
        }
        return new NextHop(url, arg.substring(eq + 1));
    }

    int port() {
        return url.getPort() > 0 ? url.getPort() : 80;
    }
}
