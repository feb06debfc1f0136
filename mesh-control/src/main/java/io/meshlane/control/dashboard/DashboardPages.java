package io.meshlane.control.dashboard;

import io.meshlane.control.http.ApiRequest;
import io.meshlane.control.http.ApiResponse;
import io.meshlane.control.api.SelfAuthenticatingRoutes;
import io.meshlane.control.security.AccessPolicy;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves the dashboard under {@code /dashboard/}: signs a browser in from {@code ?token=} (the
 * token becomes the session cookie and leaves the address bar), and hands the built page and its
 * modules only to requests that carry a valid token (cookie or bearer). The page then calls the
 * telemetry JSON API with the same cookie.
 */
public final class DashboardPages implements SelfAuthenticatingRoutes {

    static final String PREFIX = "/dashboard";
    private static final String HOME = PREFIX + "/";
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String HTML = "text/html; charset=utf-8";
    /** Scripts, styles and calls only from this origin; no inline script, no framing. */
    private static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final AccessPolicy access;
    private final DashboardAssets assets;

    public DashboardPages(AccessPolicy access) {
        this(access, DashboardAssets.fromClassPath(DashboardPages.class.getClassLoader()));
    }

    DashboardPages(AccessPolicy access, DashboardAssets assets) {
        this.access = access;
        this.assets = assets;
    }

    @Override
    public boolean serves(String path) {
        return path.equals(PREFIX) || path.startsWith(HOME);
    }

    @Override
    public ApiResponse handle(ApiRequest r) {
        if (!r.method().equals("GET") && !r.method().equals("HEAD")) {
            return answer(405, TEXT, text(r.method() + " is not allowed on " + r.path() + ": the dashboard's pages are only read (GET)"),
                    Map.of("Allow", "GET, HEAD"));
        }
        String token = r.query().get("token");
        if (r.path().equals(PREFIX)) {
            String target = token == null ? HOME : HOME + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
            return redirect(target, Map.of());
        }
        if (r.path().equals(HOME) && token != null) {
            return signIn(token.strip());
        }
        String relative = r.path().substring(HOME.length());
        if (!safe(relative)) {
            return answer(400, TEXT, text("the path " + r.path() + " is not a dashboard file: it may not contain '..', '.', empty"
                    + " segments, backslashes or escapes"), Map.of());
        }
        if (!assets.built()) {
            return answer(503, HTML, SignInPage.render("The dashboard is not part of this build",
                    "mesh-control was built without its dashboard (Node.js and npm were missing at build time):"
                            + " install them and rebuild mesh-control."), Map.of());
        }
        if (access.authenticate(r.authorization(), r.clientCertificate(), r.remoteUser(), r.remoteGroups()).isEmpty()) {
            String why = r.authorization() == null ? "This browser is not signed in to the control plane."
                    : "This browser's sign-in is no longer valid (the control plane's token changed?).";
            return relative.isEmpty() || relative.equals("index.html")
                    ? answer(401, HTML, SignInPage.render("Sign in to the meshlane dashboard", why), Map.of())
                    : answer(401, TEXT, text(why + " Open the link printed by `meshlane up` or `meshlane control` (…/dashboard/?token=…)."), Map.of());
        }
        return assets.find(relative.isEmpty() ? "index.html" : relative)
                .map(a -> answer(200, a.contentType(), a.bytes(), Map.of("Cache-Control", a.cacheControl())))
                .orElseGet(() -> answer(404, TEXT, text("the dashboard has no file " + relative), Map.of()));
    }

    private ApiResponse signIn(String token) {
        boolean valid = SessionCookie.cookieSafe(token)
                && access.authenticate("Bearer " + token, null, null, List.of()).isPresent();
        if (!valid) {
            return answer(401, HTML, SignInPage.render("Sign in to the meshlane dashboard",
                    "The token in this link is not one the control plane knows (mistyped, or from another control plane?)."), Map.of());
        }
        return redirect(HOME, Map.of("Set-Cookie", SessionCookie.issue(token)));
    }

    /** Only plain file names below the root: traversal is refused before any lookup. */
    static boolean safe(String relative) {
        if (relative.isEmpty()) {
            return true;
        }
        for (String segment : relative.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.indexOf('\\') >= 0
                    || segment.indexOf('%') >= 0 || segment.indexOf('\0') >= 0 || segment.indexOf(':') >= 0) {
                return false;
            }
        }
        return true;
    }

    private static ApiResponse redirect(String location, Map<String, String> extra) {
        Map<String, String> headers = new HashMap<>(extra);
        headers.put("Location", location);
        return answer(303, TEXT, new byte[0], headers);
    }

    private static ApiResponse answer(int code, String contentType, byte[] body, Map<String, String> extra) {
        Map<String, String> headers = new HashMap<>();
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Content-Security-Policy", POLICY);
        headers.put("Cache-Control", "no-store");
        headers.putAll(extra);
        return ApiResponse.bytes(code, contentType, body, headers);
    }

    private static byte[] text(String message) {
        return (message + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
