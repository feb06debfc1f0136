package io.meshlane.control.telemetry.otlp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Compares an Authorization header to the expected bearer token in constant time. */
final class BearerToken {
    private BearerToken() {
    }

    static boolean matches(String authorizationHeader, String token) {
        String prefix = "Bearer ";
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return false;
        }
        byte[] given = authorizationHeader.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8));
    }
}
