package io.meshlane.lab.http;

import com.sun.net.httpserver.Headers;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * W3C trace context across the lab's HTTP hops: extracted from server requests, injected into client requests;
 * and the request's lane colour, copied as it came.
 */
public final class HttpTracing {
    /**
     * What an application forwards from the request it serves onto every request it makes for it, besides
     * traceparent/tracestate: the TestLane header and W3C baggage (the lane's other carrier), verbatim.
     */
    public static final List<String> FORWARDED = List.of("x-meshlane-lane", "baggage");

    static final TextMapGetter<Headers> SERVER_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Headers carrier, String key) {
            return carrier == null ? null : carrier.getFirst(key);
        }
    };
    static final TextMapSetter<HttpRequest.Builder> CLIENT_HEADERS = (builder, key, value) -> {
        if (builder != null) {
            builder.setHeader(key, value);
        }
    };

    private HttpTracing() {
    }

    /** The remote parent carried by {@code headers} (traceparent/tracestate), or the root context. */
    public static Context extract(OpenTelemetry otel, Headers headers) {
        return otel.getPropagators().getTextMapPropagator().extract(Context.root(), headers, SERVER_HEADERS);
    }

    /** The {@link #FORWARDED} headers a server request carries (names lower-case, first value each). */
    public static Map<String, String> forwarded(Headers headers) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : FORWARDED) {
            String value = headers.getFirst(name);
            if (value != null && !value.isBlank()) {
                out.put(name, value);
            }
        }
        return out;
    }

    /** Adds traceparent (and tracestate) for {@code context} to an outgoing request. */
    public static HttpRequest.Builder inject(OpenTelemetry otel, Context context, HttpRequest.Builder builder) {
        otel.getPropagators().getTextMapPropagator().inject(context, builder, CLIENT_HEADERS);
        return builder;
    }
}
