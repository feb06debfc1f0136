package io.meshlane.lab.http;

import com.sun.net.httpserver.Headers;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

import java.net.http.HttpRequest;

/** W3C trace context across the lab's HTTP hops: extracted from server requests, injected into client requests. */
public final class HttpTracing {
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

    /** Adds traceparent (and tracestate) for {@code context} to an outgoing request. */
    public static HttpRequest.Builder inject(OpenTelemetry otel, Context context, HttpRequest.Builder builder) {
        otel.getPropagators().getTextMapPropagator().inject(context, builder, CLIENT_HEADERS);
        return builder;
    }
}
