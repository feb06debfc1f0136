package io.meshlane.control.dashboard;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Traces of the chain loadgen → productpage → reviews → ratings in namespace bookinfo, sent as
 * OTLP/HTTP protobuf, the way an instrumented workload exports them. Each call is a CLIENT span
 * (with peer.service) in the caller and a SERVER span in the callee.
 */
final class BookinfoTraces {

    static final List<String> CHAIN = List.of("loadgen", "productpage", "reviews", "ratings");
    static final String NAMESPACE = "bookinfo";

    private final Random random = new Random(7);
    private final Map<String, List<Span>> byService = new LinkedHashMap<>();

    /**
     * One request down the chain, ending {@code agoMillis} ago; each hop's server span lasts
     * {@code ratingsMillis} more than the next one's. Returns the trace id (hex).
     */
    String request(long agoMillis, long ratingsMillis, boolean ratingsFails) {
        byte[] traceId = bytes(16);
        long end = System.currentTimeMillis() - agoMillis;
        long totalMillis = ratingsMillis + 3L * 10;
        long start = end - totalMillis;
        ByteString parent = ByteString.EMPTY;
        for (int hop = 0; hop + 1 < CHAIN.size(); hop++) {
            String caller = CHAIN.get(hop);
            String callee = CHAIN.get(hop + 1);
            long callStart = start + hop * 5L;
            long callEnd = end - hop * 5L;
            boolean failing = ratingsFails && callee.equals("ratings");
            byte[] clientId = bytes(8);
            add(caller, span(traceId, clientId, parent, "GET /" + callee, Span.SpanKind.SPAN_KIND_CLIENT, callStart, callEnd, failing,
                    Map.of("peer.service", callee, "http.request.method", "GET", "http.response.status_code", failing ? "500" : "200")));
            byte[] serverId = bytes(8);
            add(callee, span(traceId, serverId, ByteString.copyFrom(clientId), "GET /" + callee, Span.SpanKind.SPAN_KIND_SERVER,
                    callStart + 1, callEnd - 1, failing,
                    Map.of("http.route", "/" + callee, "http.request.method", "GET", "http.response.status_code", failing ? "500" : "200")));
            parent = ByteString.copyFrom(serverId);
        }
        return HexFormat.of().formatHex(traceId);
    }

    int spansPerTrace() {
        return 2 * (CHAIN.size() - 1);
    }

    /** POSTs everything recorded so far to an OTLP/HTTP receiver; fails with the receiver's answer. */
    void send(String endpoint, String token) throws Exception {
        List<ResourceSpans> resources = new ArrayList<>();
        byService.forEach((service, spans) -> resources.add(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attribute("service.name", service))
                        .addAttributes(attribute("k8s.namespace.name", NAMESPACE))
                        .addAttributes(attribute("k8s.deployment.name", service + "-v1")))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)).build()));
        byte[] body = ExportTraceServiceRequest.newBuilder().addAllResourceSpans(resources).build().toByteArray();
        OtlpHttpPost.send(endpoint, "/v1/traces", token, body);
        byService.clear();
    }

    private void add(String service, Span span) {
        byService.computeIfAbsent(service, s -> new ArrayList<>()).add(span);
    }

    private static Span span(byte[] traceId, byte[] spanId, ByteString parent, String name, Span.SpanKind kind, long startMillis,
                             long endMillis, boolean error, Map<String, String> attributes) {
        Span.Builder b = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(spanId))
                .setParentSpanId(parent).setName(name).setKind(kind)
                .setStartTimeUnixNano(startMillis * 1_000_000L).setEndTimeUnixNano(endMillis * 1_000_000L)
                .setStatus(Status.newBuilder().setCode(error ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_OK));
        attributes.forEach((k, v) -> b.addAttributes(attribute(k, v)));
        return b.build();
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
