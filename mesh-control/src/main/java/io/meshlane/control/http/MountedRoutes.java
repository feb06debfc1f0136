package io.meshlane.control.http;

import io.meshlane.control.security.Identity;

/**
 * A part of the HTTP surface beside the Kubernetes API, mounted under its own first path
 * segment ({@code /telemetry}, {@code /dashboard}); it sees requests after authentication.
 */
public interface MountedRoutes {

    ApiResponse handle(ApiRequest request, Identity who, String path);
}
