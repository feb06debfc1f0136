package io.meshlane.control.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The built dashboard (target/classes/dashboard/, written by build.mjs), read once from the class
 * path. Only the files listed in its assets.txt exist for the server, so a request can never
 * name anything else on the class path, whatever its path contains.
 */
final class DashboardAssets {

    static final String ROOT = "dashboard/";

    /** Vendored libraries carry their version in the file name, so they never change under one URL. */
    private static final String IMMUTABLE = "private, max-age=31536000, immutable";
    /** The page and its own modules change with every build of mesh-control: revalidate each time. */
    private static final String REVALIDATE = "private, no-cache";

    private final Map<String, Asset> assets;

    private DashboardAssets(Map<String, Asset> assets) {
        this.assets = Map.copyOf(assets);
    }

    static DashboardAssets fromClassPath(ClassLoader loader) {
        byte[] list = read(loader, ROOT + "assets.txt");
        if (list == null) {
            return new DashboardAssets(Map.of());
        }
        Map<String, Asset> assets = new HashMap<>();
        for (String line : new String(list, StandardCharsets.UTF_8).split("\n")) {
            String path = line.strip();
            if (path.isEmpty()) {
                continue;
            }
            byte[] bytes = read(loader, ROOT + path);
            if (bytes == null) {
                throw new IllegalStateException("the dashboard's assets.txt lists " + path + " but the jar lacks it: rebuild mesh-control");
            }
            assets.put(path, new Asset(path, bytes, MediaTypes.of(path), path.startsWith("vendor/") ? IMMUTABLE : REVALIDATE));
        }
        return new DashboardAssets(assets);
    }

    private static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the dashboard resource " + resource + " from the class path: " + e.getMessage(), e);
        }
    }

    /** Whether the jar was built with the dashboard (npm present at build time). */
    boolean built() {
        return assets.containsKey("index.html");
    }

    Optional<Asset> find(String path) {
        return Optional.ofNullable(assets.get(path));
    }
}
