package io.meshlane.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** The list/watch parameters of a collection request. */
public record ListQuery(Selector labels, Selector fields, int limit, String continueKey, long continueRevision,
                        String resourceVersion, boolean allowBookmarks, long timeoutSeconds) {

    public static ListQuery from(Map<String, String> q) {
        int limit = parseInt(q.get("limit"), "limit");
        String token = q.get("continue");
        String key = null;
        long rev = 0;
        if (token != null && !token.isEmpty()) {
            try {
                JsonNode t = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token));
                key = t.get("k").asText();
                rev = t.get("rv").asLong();
            } catch (Exception e) {
                throw ApiError.badRequest("the continue token \"" + token + "\" is not valid; start the list again without it");
            }
        }
        return new ListQuery(Selector.labels(q.get("labelSelector")), Selector.fields(q.get("fieldSelector")), limit,
                key, rev, q.get("resourceVersion"), "true".equals(q.get("allowWatchBookmarks")),
                parseInt(q.get("timeoutSeconds"), "timeoutSeconds"));
    }

    private static int parseInt(String value, String name) {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest(name + " must be an integer, not \"" + value + "\"");
        }
    }

    public static String continueToken(String lastKey, long revision) {
        String json = Json.string(Json.object().put("k", lastKey).put("rv", revision));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    public boolean matches(JsonNode object) {
        return labels.matchesLabels(object) && fields.matchesFields(object);
    }
}
