package io.meshlane.control.api;

import io.meshlane.control.http.ApiResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code /openapi/v2} in the only encoding client-go reads (gnostic's openapi_v2.Document as
 * protobuf). kubectl turns to it when a group-version is missing from {@code /openapi/v3}; a 404
 * there made {@code kubectl apply} of an unserved kind fail with "could not find the requested
 * resource" instead of its usual "no matches for kind … ensure CRDs are installed first". The
 * document carries no definitions: kubectl skips client-side validation for a kind it does not
 * find in it and then asks discovery, which answers as Kubernetes does. Served kinds are
 * described by {@code /openapi/v3}, which kubectl prefers.
 */
final class OpenApiV2 {
    static final String PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    private OpenApiV2() {
    }

    static ApiResponse document() {
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        field(info, 1, "Kubernetes".getBytes(StandardCharsets.UTF_8));
        field(info, 2, "v1.32.0".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream doc = new ByteArrayOutputStream();
        field(doc, 1, "2.0".getBytes(StandardCharsets.UTF_8));
        field(doc, 2, info.toByteArray());
        return ApiResponse.bytes(200, PROTOBUF, doc.toByteArray(), Map.of());
    }

    /** A length-delimited protobuf field (wire type 2). */
    private static void field(ByteArrayOutputStream out, int number, byte[] value) {
        varint(out, (number << 3) | 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void varint(ByteArrayOutputStream out, int value) {
        while ((value & ~0x7F) != 0) {
            out.write((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }
}
