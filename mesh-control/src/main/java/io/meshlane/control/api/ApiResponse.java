package io.meshlane.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import reactor.core.publisher.Flux;

/** What to send back: a JSON body, or a stream of watch lines, with warnings for the client. */
public record ApiResponse(int code, byte[] body, Flux<byte[]> stream, List<String> warnings) {

    public static ApiResponse json(int code, JsonNode body) {
        return new ApiResponse(code, Json.bytes(body), null, List.of());
    }

    public static ApiResponse json(int code, JsonNode body, List<String> warnings) {
        return new ApiResponse(code, Json.bytes(body), null, warnings);
    }

    public static ApiResponse stream(Flux<byte[]> lines) {
        return new ApiResponse(200, null, lines, List.of());
    }
}
