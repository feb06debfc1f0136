package io.meshlane.control.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshlane.control.server.ControlPlane;
import io.meshlane.control.server.ControlPlaneOptions;
import io.meshlane.control.testing.ApiClient;
import io.meshlane.control.testing.TempDirs;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The dashboard over real HTTPS: sign-in by link (cookie attributes, wrong token), assets only
 * for signed-in browsers with the right types and caching, traversal and unknown files refused,
 * and the cookie standing for the bearer token on the rest of the API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardServingTest {

    Path dataDir;
    ControlPlane plane;
    ApiClient anonymous;

    @BeforeAll
    void start() throws Exception {
        dataDir = Files.createTempDirectory("meshlane-dash");
        plane = ControlPlane.start(ControlPlaneOptions.defaults().withDataDir(dataDir).withListen("127.0.0.1", 0));
        anonymous = new ApiClient(plane.url(), plane.caCertificate(), null);
    }

    @AfterAll
    void stop() {
        plane.close();
        TempDirs.delete(dataDir);
    }

    HttpResponse<String> get(String path, String cookie) {
        HttpRequest.Builder b = anonymous.request(path).GET();
        if (cookie != null) {
            b.header("Cookie", SessionCookie.NAME + "=" + cookie);
        }
        return anonymous.send(b.build());
    }

    @Test
    void theBareRootRedirectsToTheDirectoryKeepingTheToken() {
        HttpResponse<String> r = get("/dashboard", null);
        assertEquals(303, r.statusCode(), r.body());
        assertEquals("/dashboard/", r.headers().firstValue("Location").orElseThrow());
        HttpResponse<String> withToken = get("/dashboard?token=" + plane.token(), null);
        assertEquals("/dashboard/?token=" + plane.token(), withToken.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void theSignInLinkSetsAStrictHttpOnlyCookieAndDropsTheTokenFromTheAddress() {
        assertEquals(plane.url() + "/dashboard/?token=" + plane.token(), plane.dashboardUrl());
        HttpResponse<String> r = get("/dashboard/?token=" + plane.token(), null);
        assertEquals(303, r.statusCode(), r.body());
        assertEquals("/dashboard/", r.headers().firstValue("Location").orElseThrow());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.startsWith(SessionCookie.NAME + "=" + plane.token() + ";"), cookie);
        for (String attribute : List.of("HttpOnly", "Secure", "SameSite=Strict", "Path=/")) {
            assertTrue(List.of(cookie.split(";\\s*")).contains(attribute), attribute + " missing in " + cookie);
        }
        assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElseThrow());
    }

    @Test
    void aWrongTokenGetsAnExplanationAndNoCookie() {
        HttpResponse<String> r = get("/dashboard/?token=not-the-token", null);
        assertEquals(401, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(r.body().contains("not one the control plane knows"), r.body());
        assertTrue(r.body().contains("meshlane up"), r.body());
        assertTrue(r.headers().firstValue("Set-Cookie").isEmpty());
        HttpResponse<String> broken = get("/dashboard/?token=a%3Bb", null);
        assertEquals(401, broken.statusCode(), "a token that would break the cookie syntax is refused");
    }

    @Test
    void thePageAndItsFilesNeedASignIn() {
        HttpResponse<String> page = get("/dashboard/", null);
        assertEquals(401, page.statusCode());
        assertTrue(page.body().contains("/dashboard/?token="), page.body());
        assertFalse(page.body().contains("id=\"topology\""), "the dashboard itself is not shown");
        HttpResponse<String> script = get("/dashboard/js/main.js", null);
        assertEquals(401, script.statusCode());
        assertEquals(401, get("/dashboard/js/main.js", "wrong").statusCode());
    }

    @Test
    void aSignedInBrowserGetsThePageAndModulesWithTypesAndCaching() {
        HttpResponse<String> page = get("/dashboard/", plane.token());
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(page.body().contains("<svg id=\"topology\""), page.body());
        assertEquals("private, no-cache", page.headers().firstValue("Cache-Control").orElseThrow());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().contains("script-src 'self'"));

        HttpResponse<String> main = get("/dashboard/js/main.js", plane.token());
        assertEquals(200, main.statusCode());
        assertTrue(main.headers().firstValue("Content-Type").orElseThrow().startsWith("text/javascript"));
        assertTrue(main.body().contains("/telemetry/v1/") || get("/dashboard/js/api.js", plane.token()).body().contains("/telemetry/v1/"));

        String vendorCss = page.body().lines().filter(l -> l.contains("vendor/uplot-")).findFirst().orElseThrow();
        String href = vendorCss.substring(vendorCss.indexOf("href=\"") + 6, vendorCss.indexOf("\">"));
        HttpResponse<String> css = get("/dashboard/" + href, plane.token());
        assertEquals(200, css.statusCode(), href);
        assertTrue(css.headers().firstValue("Content-Type").orElseThrow().startsWith("text/css"));
        assertTrue(css.headers().firstValue("Cache-Control").orElseThrow().contains("immutable"));
        assertEquals("nosniff", css.headers().firstValue("X-Content-Type-Options").orElseThrow());

        // the bearer header works as well as the cookie (curl, scripts)
        HttpResponse<String> bearer = anonymous.send(anonymous.request("/dashboard/js/main.js")
                .header("Authorization", "Bearer " + plane.token()).GET().build());
        assertEquals(200, bearer.statusCode());
    }

    @Test
    void unknownFilesAre404AndWritesAre405() {
        HttpResponse<String> r = get("/dashboard/js/nope.js", plane.token());
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("no file js/nope.js"), r.body());
        HttpResponse<String> post = anonymous.send(anonymous.request("/dashboard/").header("Cookie", SessionCookie.NAME + "=" + plane.token())
                .POST(HttpRequest.BodyPublishers.ofString("x")).build());
        assertEquals(405, post.statusCode());
    }

    @Test
    void traversalNeverReachesOtherFiles() throws Exception {
        String token = plane.token();
        for (String path : List.of("/dashboard/../token", "/dashboard/js/../../token", "/dashboard/%2e%2e/token",
                "/dashboard/js/..%2f..%2fassets.txt", "/dashboard/..%5c..%5ctoken", "/dashboard//etc/passwd",
                "/dashboard/./index.html")) {
            String answer = raw(path, token);
            String status = answer.lines().findFirst().orElse("");
            assertFalse(status.contains(" 200 "), path + " answered " + status);
            assertFalse(answer.contains(token.substring(0, 16) + "\n") || answer.contains("root:x:0:0"), path + " leaked a file");
        }
    }

    /** A request written by hand, so that no client normalises the path first. */
    private String raw(String path, String token) throws Exception {
        try (Socket socket = ApiClient.trusting(plane.caCertificate()).getSocketFactory().createSocket("127.0.0.1", plane.port())) {
            ((SSLSocket) socket).startHandshake();
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: "
                    + SessionCookie.NAME + "=" + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(10_000);
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theCookieStandsForTheBearerTokenOnTheApi() {
        assertEquals(200, get("/api/v1/namespaces", plane.token()).statusCode());
        assertEquals(401, get("/api/v1/namespaces", "wrong").statusCode());
        assertEquals(401, get("/api/v1/namespaces", null).statusCode());
    }
}
