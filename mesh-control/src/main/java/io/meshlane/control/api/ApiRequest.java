package io.meshlane.control.api;

import java.util.Map;

/** An HTTP request as the API sees it, independent of the server framework. */
public record ApiRequest(String method, String path, Map<String, String> query, String contentType, String accept,
                         String authorization, byte[] body) {
}
