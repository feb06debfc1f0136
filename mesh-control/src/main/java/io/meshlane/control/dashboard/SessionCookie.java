package io.meshlane.control.dashboard;

import java.util.Optional;

/**
 * The browser's sign-in: the bearer token itself in an HttpOnly cookie, so scripts on the page
 * never see it, sent only over HTTPS and never on cross-site requests (which is what keeps other
 * sites from making the browser write through it).
 */
public final class SessionCookie {

    public static final String NAME = "meshlane_token";

    private SessionCookie() {
    }

    static String issue(String token) {
        return NAME + "=" + token + "; Path=/; HttpOnly; Secure; SameSite=Strict";
    }

    /** The Authorization header value a request with this cookie value stands for. */
    public static Optional<String> authorization(String cookieValue) {
        if (cookieValue == null || cookieValue.isBlank()) {
            return Optional.empty();
        }
        return Optional.of("Bearer " + cookieValue.strip());
    }

    /** Tokens are only ever hex or similar; anything that would break the cookie's syntax is refused, not escaped. */
    static boolean cookieSafe(String token) {
        return !token.isEmpty() && token.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ';' && c != ',' && c != '"' && c != '\\');
    }
}
