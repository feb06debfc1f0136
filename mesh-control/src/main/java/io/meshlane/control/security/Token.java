package io.meshlane.control.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/** The bearer token clients present; generated on first start into {@code <data-dir>/token}. */
public record Token(String value) {

    public static Token ensure(Path dataDir) {
        Path file = dataDir.resolve("token");
        try {
            if (Files.exists(file)) {
                String existing = Files.readString(file).trim();
                if (!existing.isEmpty()) {
                    return new Token(existing);
                }
            }
            Token token = new Token(random(32));
            PrivateFiles.write(file, token.value());
            return token;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or create the token file " + file + ": " + e.getMessage(), e);
        }
    }

    static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Constant-time comparison of an {@code Authorization} header value against this token. */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(authorization.substring(7).trim().getBytes(), value.getBytes());
    }
}
