package io.meshlane.control.server;

import io.meshlane.control.http.ApiError;
import io.meshlane.control.http.ApiRequest;
import io.meshlane.control.http.ApiResponse;
import io.meshlane.control.api.ApiRouter;
import io.meshlane.control.dashboard.SessionCookie;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.LinkedHashMap;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import java.util.Map;

/** The one HTTP entry point: hands every request to the framework-free {@link ApiRouter}. */
@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
public class ApiController {

    private final ApiRouter router;

    public ApiController(ApiRouter router) {
        this.router = router;
    }

    /**
     * Declared as a stream of byte arrays so that Micronaut writes watch lines as they come
     * instead of wrapping them in a JSON array; plain GETs are a one-element stream.
     */
    @Get(uri = "/{+path}", produces = MediaType.ALL)
    public HttpResponse<Publisher<byte[]>> get(HttpRequest<?> request) {
        HttpResponse<?> response = answer(request, null);
        @SuppressWarnings("unchecked")
        MutableHttpResponse<Object> mutable = (MutableHttpResponse<Object>) response;
        Object body = mutable.body();
        if (body instanceof byte[] bytes) {
            mutable.body(Flux.just(bytes));
            mutable.contentLength(bytes.length);
        }
        @SuppressWarnings("unchecked")
        HttpResponse<Publisher<byte[]>> typed = (HttpResponse<Publisher<byte[]>>) (HttpResponse<?>) mutable;
        return typed;
    }

    @Post(uri = "/{+path}", produces = MediaType.ALL)
    @Consumes(MediaType.ALL)
    public HttpResponse<?> post(HttpRequest<?> request, @Body @Nullable byte[] body) {
        return answer(request, body);
    }

    @Put(uri = "/{+path}", produces = MediaType.ALL)
    @Consumes(MediaType.ALL)
    public HttpResponse<?> put(HttpRequest<?> request, @Body @Nullable byte[] body) {
        return answer(request, body);
    }

    @Patch(uri = "/{+path}", produces = MediaType.ALL)
    @Consumes(MediaType.ALL)
    public HttpResponse<?> patch(HttpRequest<?> request, @Body @Nullable byte[] body) {
        return answer(request, body);
    }

    @Delete(uri = "/{+path}", produces = MediaType.ALL)
    @Consumes(MediaType.ALL)
    public HttpResponse<?> delete(HttpRequest<?> request, @Body @Nullable byte[] body) {
        return answer(request, body);
    }

    /** Micronaut refuses an oversized body before the router runs; kubectl still gets a Kubernetes Status. */
    @Error(global = true, exception = ContentLengthExceededException.class)
    public HttpResponse<?> bodyTooLarge(ContentLengthExceededException e) {
        return toHttp(ApiError.tooLarge(e.getMessage()).response());
    }

    /**
     * The Authorization header, or else the dashboard's session cookie standing for one: the
     * browser cannot add a header to a page load, and the cookie keeps the token out of scripts.
     */
    private static String authorization(HttpRequest<?> request) {
        String header = request.getHeaders().get("Authorization");
        if (header != null) {
            return header;
        }
        return request.getCookies().findCookie(SessionCookie.NAME)
                .flatMap(c -> SessionCookie.authorization(c.getValue())).orElse(null);
    }

    private HttpResponse<?> answer(HttpRequest<?> request, byte[] body) {
        Map<String, String> query = new LinkedHashMap<>();
        request.getParameters().forEach((k, v) -> query.put(k, v.isEmpty() ? "" : v.getFirst()));
        java.security.cert.X509Certificate certificate = request.getCertificate()
                .filter(java.security.cert.X509Certificate.class::isInstance)
                .map(java.security.cert.X509Certificate.class::cast).orElse(null);
        ApiRequest api = new ApiRequest(request.getMethodName(), request.getPath(), query,
                request.getHeaders().get("Content-Type"), request.getHeaders().get("Accept"),
                authorization(request), body, certificate,
                request.getHeaders().get("X-Remote-User"), request.getHeaders().getAll("X-Remote-Group"));
        return toHttp(router.handle(api));
    }

    private static HttpResponse<?> toHttp(ApiResponse response) {
        MutableHttpResponse<Object> http = HttpResponse.status(io.micronaut.http.HttpStatus.valueOf(response.code()));
        http.contentType(response.contentType());
        response.headers().forEach(http::header);
        for (String warning : response.warnings()) {
            http.header("Warning", "299 - \"" + warning.replace("\"", "\\\"") + "\"");
        }
        if (response.stream() != null) {
            return http.body(response.stream());
        }
        return http.body(response.body());
    }
}
