package io.meshlane.control.dashboard;

import java.util.Map;

/** The Content-Type of each kind of file the dashboard build emits; anything else is opaque bytes. */
final class MediaTypes {

    private static final Map<String, String> BY_EXTENSION = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "json", "application/json",
            "txt", "text/plain; charset=utf-8",
            "woff2", "font/woff2");

    private MediaTypes() {
    }

    static String of(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "application/octet-stream" : BY_EXTENSION.getOrDefault(path.substring(dot + 1), "application/octet-stream");
    }
}
