package io.meshlane.control.telemetry.otlp;

import com.google.protobuf.Message;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** OTLP/HTTP responses: bodies in the request's encoding (protobuf unless the request was JSON), errors as google.rpc.Status. */
final class OtlpHttpResponses {
    static final String PROTOBUF = "application/x-protobuf";
    static final String JSON = "application/json";

    private OtlpHttpResponses() {
    }

    static boolean isJson(String contentType) {
        return mediaType(contentType).equals(JSON);
    }

    /** The media type without parameters, lower case. */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(java.util.Locale.ROOT);
    }

    static FullHttpResponse ok(String requestContentType, Message body) {
        return response(HttpResponseStatus.OK, requestContentType, body);
    }

    static FullHttpResponse error(HttpResponseStatus status, String requestContentType, String message) {
        com.google.rpc.Status body = com.google.rpc.Status.newBuilder().setCode(grpcCode(status)).setMessage(message).build();
        // an unsupported content type gets JSON: the client could not read our protobuf either way
        String encoding = mediaType(requestContentType).equals(PROTOBUF) ? PROTOBUF : JSON;
        return response(status, encoding, body);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String requestContentType, Message body) {
        boolean json = isJson(requestContentType);
        byte[] bytes = json ? OtlpJson.print(body).getBytes(StandardCharsets.UTF_8) : body.toByteArray();
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, json ? JSON : PROTOBUF);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }

    private static int grpcCode(HttpResponseStatus status) {
        return switch (status.code()) {
            case 400 -> io.grpc.Status.Code.INVALID_ARGUMENT.value();
            case 401 -> io.grpc.Status.Code.UNAUTHENTICATED.value();
            case 404 -> io.grpc.Status.Code.NOT_FOUND.value();
            case 405, 415 -> io.grpc.Status.Code.UNIMPLEMENTED.value();
            case 413 -> io.grpc.Status.Code.RESOURCE_EXHAUSTED.value();
            case 503 -> io.grpc.Status.Code.UNAVAILABLE.value();
            default -> io.grpc.Status.Code.INTERNAL.value();
        };
    }
}
