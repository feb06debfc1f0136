package io.meshlane.control.testing;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * The project's own bookinfo-shaped mesh (productpage, details, ratings, reviews v1–v3 with their
 * DestinationRules and routing), kept in {@code src/test/resources/bookinfo}. Tests route with it
 * in any clone; Istio's own samples are read only by conformance tests ({@link IstioTestData}).
 */
public final class Bookinfo {
    private Bookinfo() {
    }

    public static Path directory() {
        return file("destination-rules.yaml").getParent();
    }

    public static Path file(String name) {
        URL url = Bookinfo.class.getResource("/bookinfo/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no test fixture bookinfo/" + name + " in mesh-control/src/test/resources");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
