package io.meshlane.control.api;

import io.meshlane.control.http.ApiRequest;
import io.meshlane.control.http.ApiResponse;

/**
 * A part of the HTTP surface that checks credentials itself, because it must also answer
 * callers without them: the dashboard signs a browser in from a token in its URL and shows
 * an HTML explanation, not a JSON Status, to one that is not signed in.
 */
public interface SelfAuthenticatingRoutes {

    /** Whether this part serves {@code path} (as requested, before any trailing-slash trimming). */
    boolean serves(String path);

    ApiResponse handle(ApiRequest request);
}
