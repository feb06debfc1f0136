package io.meshlane.control.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;

/**
 * What to send back: a JSON body, or a stream of watch lines, with warnings for the client.
 * Non-JSON answers (the dashboard's pages and assets) name their {@code contentType} and may
 * carry extra {@code headers} (Location, Set-Cookie, Cache-Control); JSON answers leave both empty.
 */
public record ApiResponse(int code, byte[] body, Flux<byte[]> stream, List<String> warnings, String contentType,
                          Map<String, String> headers) {

    public static final String JSON = "application/json";

    public ApiResponse {
        contentType = contentType == null ? JSON : contentType;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public ApiResponse(int code, byte[] body, Flux<byte[]> stream, List<String> warnings) {
        this(code, body, stream, warnings, JSON, Map.of());
    }

    public static ApiResponse json(int code, JsonNode body) {
        return new ApiResponse(code, Json.bytes(body), null, List.of());
    }

    public static ApiResponse json(int code, JsonNode body, List<String> warnings) {
        return new ApiResponse(code, Json.bytes(body), null, warnings);
    }

    public static ApiResponse stream(Flux<byte[]> lines) {
        return new ApiResponse(200, null, lines, List.of());
    }

    /** A non-JSON body of the given media type, with extra response headers. */
    public static ApiResponse bytes(int code, String contentType, byte[] body, Map<String, String> headers) {
        return new ApiResponse(code, body, null, List.of(), contentType, headers);
    }
}
