package io.meshlane.control.api;

import io.meshlane.control.http.ApiError;
import java.util.Map;

/** Query parameters that change how a write is handled. */
public record RequestOptions(boolean dryRun, String fieldValidation, boolean force) {

    public static RequestOptions from(Map<String, String> query) {
        String validation = query.getOrDefault("fieldValidation", "Warn");
        if (!validation.equals("Strict") && !validation.equals("Warn") && !validation.equals("Ignore")) {
            throw ApiError.badRequest("fieldValidation must be one of Strict, Warn or Ignore, not \"" + validation + "\"");
        }
        return new RequestOptions(query.containsKey("dryRun"), validation, "true".equals(query.get("force")));
    }
}
